//! Promoting a version: an earlier version becomes the new latest, as a new version with
//! its content and profile (iManage's "promote version"). Blobs are content-addressed, so
//! the new version names the same blob; no byte is copied.

use dossier_core::changes::DocumentChanges;
use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::limits::{FREE_TEXT_MAX, check_len};
use dossier_core::model::DocumentView;
use dossier_core::{Activity, DocumentRef, DomainError};
use serde_json::json;

use super::{ensure_editable, record};
use crate::access::Edit;
use crate::audit::Audit;
use crate::events::{Change, emit};
use crate::profile::validate_document;
use crate::{Caller, Dossier, Result};

/// Which version to promote, and what the new version changes on its profile.
#[derive(Clone, Debug, Default)]
pub struct PromoteRequest {
    pub version: i64,
    /// Profile changes over the promoted version's profile.
    pub changes: DocumentChanges,
    /// The client's comment, recorded in the history after "promoted from version N".
    pub comment: String,
}

impl Dossier {
    /// POST …/documents/{id}/promote: a new latest version of document `r` (its version
    /// part ignored) with the content and profile of `request.version`. Needs Edit on the
    /// document; a document checked out by someone else is refused as a new version is.
    pub async fn promote_version(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        request: PromoteRequest,
    ) -> Result<DocumentView> {
        check_len("comments", &request.comment, FREE_TEXT_MAX)?;
        if request.changes.default_security.is_some() {
            return Err(DomainError::invalid(
                "default_security",
                "security belongs to the document: change it with …/security, not by promoting a version",
            ));
        }
        let now = self.now();
        let latest_ref = DocumentRef {
            version: None,
            ..r.clone()
        };
        let source_ref = DocumentRef {
            version: Some(request.version),
            ..r.clone()
        };
        let mut tx = self.store.begin().await?;
        // Read inside the write transaction, so a concurrent upload and this promotion
        // get consecutive version numbers.
        let latest = self
            .document_for(tx.conn(), caller, &latest_ref, Edit)
            .await?;
        let source = self
            .document_for(tx.conn(), caller, &source_ref, Edit)
            .await?;
        let checkout = dossier_store::documents::checkout(tx.conn(), &r.library, r.number).await?;
        ensure_editable(&checkout, caller, r)?;
        let mut doc = source.into_inner();
        doc.id.version = latest.id.version + 1;
        request.changes.apply(&mut doc);
        // Security is the document's, whatever version it came from.
        doc.default_security = latest.default_security;
        doc.acl = latest.acl;
        doc.operator = request
            .changes
            .operator
            .clone()
            .unwrap_or_else(|| caller.user_id.clone());
        doc.last_user = caller.user_id.clone();
        doc.create_date = now;
        doc.edit_date = now;
        doc.edit_profile_date = now;
        validate_document(tx.conn(), &r.library, &doc, &request.changes).await?;
        dossier_store::documents::insert_version(tx.conn(), &doc).await?;
        let promoted = format!("promoted from version {}", request.version);
        let comment = if request.comment.is_empty() {
            promoted
        } else {
            format!("{promoted}: {}", request.comment)
        };
        check_len("comments", &comment, FREE_TEXT_MAX)?;
        record(
            tx.conn(),
            &doc.id,
            Activity::NewVersion,
            caller,
            now,
            comment,
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentVersionAdded {
                version: doc.id.clone(),
                previous_version: latest.id.version,
            },
        )
        .await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::VersionPromote,
                target: Some(doc.id.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"from_version": request.version, "to_version": doc.id.version}),
            },
        )
        .await?;
        let v = self.view_for(tx.conn(), caller, doc).await?;
        tx.commit().await?;
        Ok(v)
    }
}
