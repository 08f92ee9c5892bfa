//! What a document's page shows of its content without the browser opening the file: the
//! text the search indexer extracted (an Office file's words), and an email as a reader
//! sees it. Both are reads of the content, checked like a download.

use dossier_core::DocumentRef;
use dossier_extract::mail_view::MAX_EMAIL_BYTES;
/// An email as a reader sees it: what `Dossier::email_view` answers (surfaces take the
/// type from here, not from the extraction crate).
pub use dossier_extract::mail_view::{EmailBody, EmailView};

use crate::access::Read;
use crate::search::text::{blob_text, read_blob};
use crate::{Caller, Dossier, Result};

/// The extracted text shown is cut here (a page, not the whole of a long contract).
pub const PREVIEW_TEXT_MAX: usize = 256 * 1024;

/// A version's extracted text, as far as a preview shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentText {
    pub text: String,
    /// More text exists than is shown (cut here or when it was extracted).
    pub truncated: bool,
}

impl Dossier {
    /// The text the indexer extracted from version `r`'s content; `None` until it has
    /// been extracted, or when the file has no text.
    pub async fn document_text(
        &self,
        caller: &Caller,
        r: &DocumentRef,
    ) -> Result<Option<DocumentText>> {
        let mut conn = self.store.read().await?;
        let doc = self.document_for(&mut conn, caller, r, Read).await?;
        let mut cached =
            dossier_store::search::extracted(&mut conn, &[doc.content_hash.as_str()]).await?;
        drop(conn);
        let Some(e) = cached.remove(&doc.content_hash) else {
            return Ok(None);
        };
        let full = match (e.text, &e.text_hash) {
            (Some(t), _) => t,
            (None, Some(h)) => blob_text(self, h).await?,
            (None, None) => return Ok(None),
        };
        if full.trim().is_empty() {
            return Ok(None);
        }
        let mut end = full.len().min(PREVIEW_TEXT_MAX);
        while !full.is_char_boundary(end) {
            end -= 1;
        }
        Ok(Some(DocumentText {
            truncated: e.truncated || end < full.len(),
            text: full[..end].to_string(),
        }))
    }

    /// Version `r`'s content read as an RFC 5322 email (headers, sanitised body,
    /// attachments); `None` when it is larger than the preview reads, does not parse, or no
    /// extraction worker runs on this node (search disabled).
    pub async fn email_view(&self, caller: &Caller, r: &DocumentRef) -> Result<Option<EmailView>> {
        let doc = {
            let mut conn = self.store.read().await?;
            self.document_for(&mut conn, caller, r, Read)
                .await?
                .into_inner()
        };
        if doc.size as u64 > MAX_EMAIL_BYTES {
            return Ok(None);
        }
        let Some(bytes) = read_blob(self, &doc.content_hash, MAX_EMAIL_BYTES).await? else {
            return Ok(None);
        };
        // An untrusted file: parsed and sanitised in an extraction worker, not here. (No
        // search, no workers: nothing is shown.)
        Ok(match &self.search {
            Some(search) => search.extractor.email_view(bytes).await,
            None => None,
        })
    }
}
