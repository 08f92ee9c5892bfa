//! Check-out: locking a document to one user, and releasing it.

use chrono::{DateTime, Utc};
use dossier_core::limits::{FREE_TEXT_MAX, check_len};
use dossier_core::model::Checkout;
use dossier_core::{Activity, DocumentRef, DomainError};

use super::{OpenedContent, record};
use crate::access::{Edit, Read};
use crate::events::{Change, emit};
use crate::{Caller, Dossier, Result};

/// A check-out's details, as the client gives them.
#[derive(Clone, Debug, Default)]
pub struct CheckoutRequest {
    pub comments: String,
    pub location: String,
    pub path: String,
    pub due_date: Option<DateTime<Utc>>,
}

impl Dossier {
    /// POST …/documents/{id}/lock, and the lock half of POST …/checkout.
    pub async fn lock(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        request: CheckoutRequest,
        activity: Activity,
    ) -> Result<OpenedContent> {
        let now = self.now();
        for (field, text) in [
            ("comments", &request.comments),
            ("location", &request.location),
            ("path", &request.path),
        ] {
            check_len(field, text, FREE_TEXT_MAX)?;
        }
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let existing = dossier_store::documents::checkout(tx.conn(), &r.library, r.number).await?;
        if let Some(c) = &existing {
            if c.user_id != caller.user_id {
                return Err(DomainError::Conflict(format!(
                    "document {r} is already checked out by {}",
                    c.user_id
                )));
            }
            dossier_store::documents::clear_checkout(tx.conn(), &r.library, r.number).await?;
        }
        let checkout = Checkout {
            user_id: caller.user_id.clone(),
            comments: request.comments,
            location: request.location,
            path: request.path,
            due_date: request.due_date,
            checkout_date: now,
        };
        dossier_store::documents::set_checkout(tx.conn(), &r.library, r.number, &checkout).await?;
        record(
            tx.conn(),
            &doc.id,
            activity,
            caller,
            now,
            checkout.comments.clone(),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentUpdated {
                document: doc.id.clone(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(OpenedContent::of(doc))
    }

    /// DELETE …/documents/{id}/lock: by the holder or an administrator.
    pub async fn unlock(&self, caller: &Caller, r: &DocumentRef) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        match dossier_store::documents::checkout(tx.conn(), &r.library, r.number).await? {
            None => {
                return Err(DomainError::Conflict(format!(
                    "document {r} is not checked out"
                )));
            }
            Some(c) if c.user_id != caller.user_id && !caller.is_admin => {
                return Err(DomainError::Forbidden(format!(
                    "document {r} is checked out by {}; only they or an administrator can release it",
                    c.user_id
                )));
            }
            Some(_) => {}
        }
        dossier_store::documents::clear_checkout(tx.conn(), &r.library, r.number).await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::Unlock,
            caller,
            now,
            String::new(),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentUpdated {
                document: doc.id.clone(),
            },
        )
        .await?;
        tx.commit().await
    }

    /// GET …/documents/{id}/checkout: 404 when the document is not checked out.
    pub async fn checkout_info(&self, caller: &Caller, r: &DocumentRef) -> Result<Checkout> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        dossier_store::documents::checkout(&mut conn, &r.library, r.number)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("check-out of document {r}")))
    }
}
