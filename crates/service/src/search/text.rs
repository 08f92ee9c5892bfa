//! The text of a document's content for the index: from the extracted-text cache when this
//! content was seen before, otherwise from the extractor (a separate process, see
//! `Extract`), whose result is cached by content hash before it is used.

use std::future::Future;
use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use dossier_core::model::Document;
use dossier_store::search::Extracted;
use futures::TryStreamExt;

use crate::{Dossier, Result, blob_error};

/// How extraction of one file ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Indexed,
    MetadataOnly(String),
    Failed(String),
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Indexed => "indexed",
            Outcome::MetadataOnly(_) => "metadata_only",
            Outcome::Failed(_) => "failed",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Indexed => None,
            Outcome::MetadataOnly(r) | Outcome::Failed(r) => Some(r),
        }
    }
}

/// An email's headers, as extraction found them.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmailHeaders {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub sent: Option<i64>,
    pub received: Option<i64>,
}

/// What extraction of one file gave.
#[derive(Clone, Debug, PartialEq)]
pub struct Extraction {
    pub text: String,
    pub outcome: Outcome,
    pub format: String,
    pub truncated: bool,
    pub email: Option<EmailHeaders>,
}

/// Text extraction from untrusted files. The server's implementation runs it in worker
/// processes with time and memory limits (crate `dossier-extract`); it answers every call,
/// with a failed outcome when the file defeats it.
pub trait Extract: Send + Sync {
    fn extract<'a>(
        &'a self,
        content: Bytes,
        file_name: &'a str,
    ) -> Pin<Box<dyn Future<Output = Extraction> + Send + 'a>>;

    /// Files larger than this are indexed by their profile only, unread.
    fn max_input_bytes(&self) -> u64;
}

/// A document's text and how it was obtained.
#[derive(Clone, Debug)]
pub struct Text {
    pub body: String,
    pub outcome: Outcome,
    pub email: Option<EmailHeaders>,
}

fn cached(e: &Extracted) -> Outcome {
    let reason = e.reason.clone().unwrap_or_default();
    match e.outcome.as_str() {
        "indexed" => Outcome::Indexed,
        "metadata_only" => Outcome::MetadataOnly(reason),
        _ => Outcome::Failed(reason),
    }
}

/// Reads a whole blob, refusing one larger than `max` bytes.
pub(crate) async fn read_blob(d: &Dossier, hash: &str, max: u64) -> Result<Option<Bytes>> {
    let mut stream = d.blobs.get(hash, None).await.map_err(blob_error)?;
    let mut out = BytesMut::new();
    while let Some(chunk) = stream.try_next().await.map_err(blob_error)? {
        if (out.len() + chunk.len()) as u64 > max {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out.freeze()))
}

/// The cached text of a content, if it was extracted before.
pub(crate) async fn from_cache(d: &Dossier, e: &Extracted) -> Result<Text> {
    let body = match &e.text_hash {
        Some(h) => match read_blob(d, h, u64::MAX).await? {
            Some(b) => String::from_utf8_lossy(&b).into_owned(),
            None => String::new(),
        },
        None => String::new(),
    };
    Ok(Text {
        body,
        outcome: cached(e),
        email: e.email.as_deref().and_then(|j| serde_json::from_str(j).ok()),
    })
}

/// Extracts a document's content now and caches the result under its content hash.
pub(crate) async fn extract(d: &Dossier, x: &dyn Extract, doc: &Document) -> Result<Text> {
    let file_name = format!("{}.{}", doc.name, doc.extension);
    let extraction = if doc.size as u64 > x.max_input_bytes() {
        Extraction {
            text: String::new(),
            outcome: Outcome::MetadataOnly(format!(
                "the file is larger than the {} MiB extraction limit",
                x.max_input_bytes() / (1024 * 1024)
            )),
            format: doc.extension.to_lowercase(),
            truncated: false,
            email: None,
        }
    } else {
        match read_blob(d, &doc.content_hash, x.max_input_bytes()).await? {
            Some(content) => x.extract(content, &file_name).await,
            None => Extraction {
                text: String::new(),
                outcome: Outcome::MetadataOnly("the file is larger than the extraction limit".into()),
                format: doc.extension.to_lowercase(),
                truncated: false,
                email: None,
            },
        }
    };
    let text_hash = if extraction.text.is_empty() {
        None
    } else {
        Some(
            d.blobs
                .put_bytes(Bytes::from(extraction.text.clone()))
                .await
                .map_err(blob_error)?
                .hash,
        )
    };
    let record = Extracted {
        outcome: extraction.outcome.as_str().to_string(),
        reason: extraction.outcome.reason().map(str::to_string),
        format: extraction.format.clone(),
        text_hash,
        text_bytes: extraction.text.len() as i64,
        truncated: extraction.truncated,
        email: extraction
            .email
            .as_ref()
            .and_then(|e| serde_json::to_string(e).ok()),
    };
    let mut tx = d.store.begin().await?;
    dossier_store::search::put_extracted(tx.conn(), &doc.content_hash, &record, d.now()).await?;
    tx.commit().await?;
    Ok(Text {
        body: extraction.text,
        outcome: extraction.outcome,
        email: extraction.email,
    })
}
