//! Opening a version's content for a download.

use dossier_core::model::Document;
use dossier_core::{Activity, DocumentRef};

use super::record;
use crate::access::{Checked, Read};
use crate::{Caller, Dossier, Result};

/// A version whose content the caller may read, as a download or check-out opened it:
/// the only way to the content of a document.
#[derive(Clone, Debug)]
pub struct OpenedContent(Document);

impl OpenedContent {
    /// Only a document the caller passed the check for is opened.
    pub(super) fn of<N>(checked: Checked<Document, N>) -> Self {
        OpenedContent(checked.into_inner())
    }

    pub fn document(&self) -> &Document {
        &self.0
    }
}

impl Dossier {
    /// The bytes of opened content, or the part `range` names.
    pub async fn read_content(
        &self,
        opened: &OpenedContent,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<crate::maintenance::ContentStream> {
        self.content_range(&opened.0.content_hash, range).await
    }

    /// Resolves what a download serves and records it in the history: EXPORT with
    /// `activity=export`, VIEW otherwise.
    pub async fn open_content(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        latest: bool,
        export: bool,
    ) -> Result<OpenedContent> {
        let target = if latest {
            DocumentRef {
                version: None,
                ..r.clone()
            }
        } else {
            r.clone()
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if latest {
            self.document_for(tx.conn(), caller, r, Read).await?;
        }
        let doc = self.document_for(tx.conn(), caller, &target, Read).await?;
        record(
            tx.conn(),
            &doc.id,
            if export {
                Activity::Export
            } else {
                Activity::View
            },
            caller,
            now,
            String::new(),
        )
        .await?;
        tx.commit().await?;
        Ok(OpenedContent::of(doc))
    }
}
