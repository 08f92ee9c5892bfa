//! Filed emails (docs/email.md): the message read when it is filed, through the extractor's
//! worker processes (a message is untrusted input, parsed under their time and memory
//! limits, never in the server), the same message filed twice, conversations, and each
//! library's email settings.

use chrono::DateTime;
use dossier_core::email::{EmailAttachment, EmailSettings, MessageKey, ParsedEmail};
use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::model::{Container, Document, DocumentView, EmailFields};
use dossier_core::query::DocumentQuery;
use dossier_core::{DocumentRef, DomainError, LibraryId};
use dossier_extract::EmailHeaders;
use dossier_store::AnyConnection;
use dossier_store::search::Extracted;
use sha2::{Digest, Sha256};

use crate::access::Read;
use crate::audit::Audit;
use crate::{Caller, Dossier, Page, Result};

/// Messages a conversation read answers with at most; a longer thread shows its first ones
/// (by number), sorted by sent date.
pub const CONVERSATION_MAX: i64 = 1000;

/// An email as read when it is filed, and the extraction to cache under its content hash
/// (the indexer then reads the cache instead of extracting the message again).
pub(crate) struct ReadMessage {
    /// `None` when the extractor could not read it as a message.
    pub parsed: Option<ParsedEmail>,
    pub extracted: Extracted,
}

fn parsed(h: EmailHeaders) -> ParsedEmail {
    let at = |s: Option<i64>| s.and_then(|s| DateTime::from_timestamp(s, 0));
    ParsedEmail {
        from: h.from,
        to: h.to,
        cc: h.cc,
        bcc: h.bcc,
        subject: h.subject,
        sent: at(h.sent),
        received: at(h.received),
        message_id: h.message_id,
        in_reply_to: h.in_reply_to,
        references: h.references,
        attachments: h
            .attachments
            .into_iter()
            .zip(1..)
            .map(|(a, number)| EmailAttachment {
                number,
                name: a.name,
                size: a.size,
                content_type: a.content_type,
            })
            .collect(),
    }
}

/// A conversation id made from the message that began a thread: opaque, fixed length, and
/// the same for every message that names that root, whichever is filed first.
fn conversation_for_root(root: &str) -> String {
    let digest = Sha256::digest(root.as_bytes());
    hex::encode(&digest[..16])
}

impl Dossier {
    /// Reads a stored message's headers through the mail reader's workers. `None` when
    /// this server has none; no headers when the message could not be parsed: the email is
    /// then filed with what the client sent, and its index status says why.
    pub(crate) async fn read_message(
        &self,
        hash: &str,
        size: i64,
        file_name: &str,
    ) -> Result<Option<ReadMessage>> {
        let Some(reader) = &self.mail_reader else {
            return Ok(None);
        };
        let (text, extracted) =
            crate::search::text::extract_content(self, reader, hash, size, file_name).await?;
        if let dossier_extract::Outcome::Failed(why) = &text.outcome {
            tracing::info!(%hash, %why, "a filed email could not be read");
        }
        Ok(Some(ReadMessage {
            parsed: text.email.map(parsed),
            extracted,
        }))
    }

    /// The email a new filing of this message into `folder` duplicates, when the library
    /// de-duplicates and the message is already filed in the folder's workspace.
    pub(crate) async fn duplicate_of(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        folder: &Container,
        email: &EmailFields,
    ) -> Result<Option<Document>> {
        let Some(key) = MessageKey::of(email) else {
            return Ok(None);
        };
        let library = &folder.id.library;
        if !dossier_store::emails::settings(conn, library)
            .await?
            .deduplicate
        {
            return Ok(None);
        }
        self.same_message_in(conn, caller, library, folder.workspace, &key)
            .await
    }

    /// The same message, already filed in `workspace` and readable by the caller: what a
    /// second filing there becomes a reference to.
    pub(crate) async fn same_message_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        workspace: i64,
        key: &MessageKey,
    ) -> Result<Option<Document>> {
        let candidates = dossier_store::emails::with_key(conn, library, &key.stored()).await?;
        for doc in candidates {
            let filed_in =
                dossier_store::emails::workspaces_of(conn, library, doc.id.number).await?;
            if !filed_in.contains(&workspace) {
                continue;
            }
            let r = DocumentRef {
                library: library.clone(),
                number: doc.id.number,
                version: None,
            };
            // One the caller may not read is not revealed: the filing makes a new document.
            match self.document_for(conn, caller, &r, Read).await {
                Ok(d) => return Ok(Some(d.into_inner())),
                Err(DomainError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// The conversation a message joins: that of a filed message it answers (or of a copy
    /// of itself, or of a filed reply to it), else one named after its thread's root.
    pub(crate) async fn conversation_of(
        conn: &mut AnyConnection,
        library: &LibraryId,
        message: &ParsedEmail,
        own_id: Option<&str>,
    ) -> Result<Option<String>> {
        let mut near: Vec<String> = own_id.map(str::to_string).into_iter().collect();
        near.extend(message.answers());
        if let Some(c) =
            dossier_store::emails::conversation_near(conn, library, &near, own_id).await?
        {
            return Ok(Some(c));
        }
        Ok(message
            .thread_root()
            .or_else(|| own_id.map(str::to_string))
            .map(|root| conversation_for_root(&root)))
    }

    /// The emails of a conversation the caller may read, in the order they were sent
    /// (those without a sent date last, by number).
    pub async fn conversation(
        &self,
        caller: &Caller,
        library: &LibraryId,
        conversation_id: &str,
    ) -> Result<Vec<DocumentView>> {
        let query = DocumentQuery {
            conversation_id: Some(conversation_id.to_string()),
            ..Default::default()
        };
        let page = Page {
            limit: CONVERSATION_MAX,
            ..Page::default()
        };
        let (mut views, _) = self.documents_in(caller, library, &query, page).await?;
        views.sort_by_key(|v| {
            (
                v.doc.email.sent_date.is_none(),
                v.doc.email.sent_date,
                v.doc.id.number,
            )
        });
        Ok(views)
    }

    /// Other documents of the same message (filed into other workspaces) the caller may
    /// read: how a copy is linked to the others.
    pub async fn email_copies(&self, caller: &Caller, doc: &Document) -> Result<Vec<Document>> {
        let Some(key) = MessageKey::of(&doc.email) else {
            return Ok(Vec::new());
        };
        let library = &doc.id.library;
        let mut conn = self.store.read().await?;
        let candidates = dossier_store::emails::with_key(&mut conn, library, &key.stored()).await?;
        let mut out = Vec::new();
        for c in candidates {
            if c.id.number == doc.id.number {
                continue;
            }
            let r = DocumentRef {
                library: library.clone(),
                number: c.id.number,
                version: None,
            };
            match self.document_for(&mut conn, caller, &r, Read).await {
                Ok(d) => out.push(d.into_inner()),
                Err(DomainError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// A library's email settings.
    pub async fn email_settings(
        &self,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<EmailSettings> {
        let mut conn = self.store.read().await?;
        crate::catalog::require_library_admin(&mut conn, caller, library).await?;
        dossier_store::emails::settings(&mut conn, library).await
    }

    /// Changes a library's email settings (its administrators).
    pub async fn set_email_settings(
        &self,
        caller: &Caller,
        library: &LibraryId,
        settings: EmailSettings,
    ) -> Result<EmailSettings> {
        let mut tx = self.store.begin().await?;
        crate::catalog::require_library_admin(tx.conn(), caller, library).await?;
        let before = dossier_store::emails::settings(tx.conn(), library).await?;
        dossier_store::emails::put_settings(tx.conn(), library, &settings).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::EmailSettingsUpdate,
                target: Some(library.to_string()),
                outcome: AuditOutcome::Success,
                detail: serde_json::json!({
                    "before": {"deduplicate": before.deduplicate},
                    "after": {"deduplicate": settings.deduplicate},
                }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(settings)
    }
}

/// An email's attachment taken out of the message for a download.
#[derive(Clone, Debug)]
pub struct AttachmentContent {
    pub name: String,
    pub content_type: String,
    pub data: bytes::Bytes,
}

impl Dossier {
    /// Attachment `number` of an email the caller may read, taken out of the message by the
    /// extractor's workers; recorded in the email's history as a view.
    pub async fn open_attachment(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        number: u32,
    ) -> Result<AttachmentContent> {
        let doc = {
            let mut conn = self.store.read().await?;
            self.document_for(&mut conn, caller, r, Read)
                .await?
                .into_inner()
        };
        let missing = || DomainError::not_found(format!("attachment {number} of document {r}"));
        if !doc.email.attachments.iter().any(|a| a.number == number) {
            return Err(missing());
        }
        let reader = self.mail_reader.as_ref().ok_or_else(|| {
            DomainError::Unavailable(
                "attachments are read by the text extractor, which this server does not run".into(),
            )
        })?;
        let limit = reader.limits().max_input_bytes;
        let content = crate::search::text::read_blob(self, &doc.content_hash, limit)
            .await?
            .ok_or_else(|| {
                DomainError::Unavailable("the message is larger than the extraction limit".into())
            })?;
        let name = format!("message.{}", doc.extension);
        let part = reader
            .attachment(content, &name, number)
            .await
            .map_err(|why| {
                tracing::warn!(document = %doc.id, number, %why, "an attachment could not be taken out");
                DomainError::Unavailable(format!("the attachment could not be read: {why}"))
            })?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        crate::documents::record(
            tx.conn(),
            &doc.id,
            dossier_core::Activity::View,
            caller,
            now,
            format!("attachment {number}: {}", part.name),
        )
        .await?;
        tx.commit().await?;
        Ok(AttachmentContent {
            name: part.name,
            content_type: part.content_type,
            data: part.data.into(),
        })
    }
}
