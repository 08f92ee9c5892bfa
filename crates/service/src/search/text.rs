//! The text of a document's content for the index: from the extracted-text cache when this
//! content was seen before, otherwise from the extractor (a separate process, see
//! `dossier_extract`), whose result is cached by content hash before it is used.

use bytes::{Bytes, BytesMut};
use dossier_core::model::Document;
use dossier_extract::{EmailHeaders, Extraction, Extractor, Outcome};
use dossier_store::search::Extracted;
use futures::TryStreamExt;

use crate::{Dossier, Result, blob_error};

/// The reason recorded beside an outcome.
pub(crate) fn reason(o: &Outcome) -> Option<&str> {
    match o {
        Outcome::Indexed => None,
        Outcome::MetadataOnly(r) | Outcome::Failed(r) => Some(r),
    }
}

/// The name an outcome is recorded under.
pub fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Indexed => "indexed",
        Outcome::MetadataOnly(_) => "metadata_only",
        Outcome::Failed(_) => "failed",
    }
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
    let body = match (&e.text, &e.text_hash) {
        (Some(t), _) => t.clone(),
        (None, Some(h)) => blob_text(d, h).await?,
        (None, None) => String::new(),
    };
    Ok(Text {
        body,
        outcome: cached(e),
        email: e
            .email
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok()),
    })
}

/// A text kept as a blob (before migration 0008); a missing blob reads as no text.
pub(crate) async fn blob_text(d: &Dossier, hash: &str) -> Result<String> {
    Ok(match read_blob(d, hash, u64::MAX).await? {
        Some(b) => String::from_utf8_lossy(&b).into_owned(),
        None => String::new(),
    })
}

/// Extracts a document's content now; returns the text and the record to cache under its
/// content hash (the caller writes it, text included, with the index status, in one
/// transaction).
pub(crate) async fn extract(
    d: &Dossier,
    x: &Extractor,
    doc: &Document,
) -> Result<(Text, Extracted)> {
    let file_name = format!("{}.{}", doc.name, doc.extension);
    extract_content(d, x, &doc.content_hash, doc.size, &file_name).await
}

/// Extracts a stored content by its hash, as a file of this name (its extension guides the
/// detection); returns the text and the record to cache under the hash.
pub(crate) async fn extract_content(
    d: &Dossier,
    x: &Extractor,
    hash: &str,
    size: i64,
    file_name: &str,
) -> Result<(Text, Extracted)> {
    let limit = x.limits().max_input_bytes;
    let too_large = || Extraction {
        text: String::new(),
        outcome: Outcome::MetadataOnly(format!(
            "the file is larger than the {} MiB extraction limit",
            limit / (1024 * 1024)
        )),
        format: file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default(),
        truncated: false,
        email: None,
    };
    // A file over the limit is never read into memory: its size says enough.
    let extraction = if size as u64 > limit {
        too_large()
    } else {
        match read_blob(d, hash, limit).await? {
            Some(content) => x.extract(content, file_name).await,
            None => too_large(),
        }
    };
    let record = Extracted {
        outcome: outcome_name(&extraction.outcome).to_string(),
        reason: reason(&extraction.outcome).map(str::to_string),
        format: extraction.format.clone(),
        text: (!extraction.text.is_empty()).then(|| extraction.text.clone()),
        text_hash: None,
        text_bytes: extraction.text.len() as i64,
        truncated: extraction.truncated,
        email: extraction
            .email
            .as_ref()
            .and_then(|e| serde_json::to_string(e).ok()),
    };
    Ok((
        Text {
            body: extraction.text,
            outcome: extraction.outcome,
            email: extraction.email,
        },
        record,
    ))
}
