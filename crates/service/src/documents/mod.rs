//! Documents and their versions: reading one as its caller sees it, changing its profile,
//! its versions. The other document use cases are in the submodules, by job: `content`
//! (downloads), `checkout`, `filing` (copy, move, references, paths, listings), `history`,
//! `nvps`, `preview` (extracted text, emails as read) and `promote`; uploads are `crate::upload`.

mod checkout;
mod content;
mod filing;
mod history;
mod nvps;
mod preview;
mod promote;

pub use checkout::CheckoutRequest;
pub use content::OpenedContent;
pub use filing::MoveOptions;
pub(crate) use filing::upload_folder;
pub use history::NewHistoryEntry;
pub(crate) use history::{history_entry, record};
pub use nvps::NvpChanges;
pub(crate) use nvps::write_nvps;
pub use preview::{DocumentText, EmailBody, EmailView, PREVIEW_TEXT_MAX};
pub use promote::PromoteRequest;

use dossier_core::changes::DocumentChanges;
use dossier_core::doc_type::type_for_extension;
use dossier_core::limits::{FREE_TEXT_MAX, check_len};
use dossier_core::model::{Checkout, Document, DocumentView};
use dossier_core::{Activity, DocumentRef, DomainError, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::acl::Visible;

use crate::access::{ChangeSecurity, Edit, Read};
use crate::events::{Change, emit};
use crate::profile::validate_document;
use crate::{Caller, Dossier, Page, Result};

impl Dossier {
    /// A document's view as `caller` sees it (see `views`).
    pub(crate) async fn view_for(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        doc: Document,
    ) -> Result<DocumentView> {
        let visible = self.visibility_on(conn, caller, &doc.id.library).await?;
        let mut views = views(conn, vec![doc], false, visible.as_ref()).await?;
        views
            .pop()
            .ok_or_else(|| DomainError::internal("document view vanished"))
    }

    /// Views of one library's documents as `caller` sees them (see `views`).
    async fn views_for(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        docs: Vec<Document>,
        all_latest: bool,
    ) -> Result<Vec<DocumentView>> {
        let visible = self.visibility_on(conn, caller, library).await?;
        views(conn, docs, all_latest, visible.as_ref()).await
    }
}

/// Views of latest versions (search hits), as a caller with `visible` sees them.
pub(crate) async fn views_of(
    conn: &mut AnyConnection,
    docs: Vec<Document>,
    visible: Option<&Visible>,
) -> Result<Vec<DocumentView>> {
    views(conn, docs, true, visible).await
}

/// Decorates documents with their latest version, check-out and workspace, in a fixed
/// number of queries whatever the list length. A view names its workspace only when the
/// caller (`visible`; `None` sees everything) may read it, as a document's path shows only
/// readable containers: a matter's name is often confidential in itself.
/// `all_latest`: the documents are known to be latest versions (search results), so their
/// own version is the latest one and need not be looked up.
async fn views(
    conn: &mut AnyConnection,
    docs: Vec<Document>,
    all_latest: bool,
    visible: Option<&Visible>,
) -> Result<Vec<DocumentView>> {
    let Some(first) = docs.first() else {
        return Ok(vec![]);
    };
    let library = first.id.library.clone();
    let numbers: Vec<i64> = docs.iter().map(|d| d.id.number).collect();
    let checkouts = dossier_store::documents::checkouts_for(conn, &library, &numbers).await?;
    let mut workspaces =
        dossier_store::documents::home_workspaces(conn, &library, &numbers).await?;
    if let Some(v) = visible {
        let mut named: Vec<i64> = workspaces.values().map(|(n, _)| *n).collect();
        named.sort_unstable();
        named.dedup();
        let readable: std::collections::HashSet<i64> =
            dossier_store::containers::many(conn, &library, &named)
                .await?
                .iter()
                .filter(|w| {
                    crate::access::admits(v, w.acl, &w.owner, &crate::access::container_facts(w, w))
                })
                .map(|w| w.id.number)
                .collect();
        workspaces.retain(|_, (n, _)| readable.contains(n));
    }
    // Searches return latest versions only: their own version is the latest one.
    let latest = if all_latest {
        Default::default()
    } else {
        dossier_store::documents::latest_versions(conn, &library, &numbers).await?
    };
    Ok(docs
        .into_iter()
        .map(|doc| {
            let n = doc.id.number;
            DocumentView {
                checkout: checkouts.get(&n).cloned(),
                workspace: workspaces.get(&n).cloned(),
                latest_version: latest.get(&n).copied().unwrap_or(doc.id.version),
                doc,
            }
        })
        .collect())
}

pub(crate) fn ensure_editable(
    checkout: &Option<Checkout>,
    caller: &Caller,
    r: &impl std::fmt::Display,
) -> Result<()> {
    match checkout {
        Some(c) if c.user_id != caller.user_id && !caller.is_admin => Err(DomainError::Conflict(
            format!("document {r} is checked out by {}", c.user_id),
        )),
        _ => Ok(()),
    }
}

/// What the caller may do with a document, for GET …/operations and `include_operations`:
/// its access level and the check-out state decide.
#[derive(Clone, Debug)]
pub struct Operations {
    pub level: dossier_core::AccessLevel,
    pub editable: bool,
    pub checked_out_by_other: bool,
    pub checked_out: bool,
}

impl Operations {
    pub fn of(
        view: &DocumentView,
        caller: &Caller,
        level: dossier_core::AccessLevel,
    ) -> Operations {
        let by_other = view
            .checkout
            .as_ref()
            .is_some_and(|c| c.user_id != caller.user_id);
        Operations {
            level,
            editable: level >= dossier_core::AccessLevel::ReadWrite
                && (!by_other || caller.is_admin),
            checked_out_by_other: by_other,
            checked_out: view.checkout.is_some(),
        }
    }
}

impl Dossier {
    pub async fn document(&self, caller: &Caller, r: &DocumentRef) -> Result<DocumentView> {
        let mut conn = self.store.read().await?;
        let doc = self.document_for(&mut conn, caller, r, Read).await?;
        self.view_for(&mut conn, caller, doc.into_inner()).await
    }

    /// GET …/documents/{id}/operations and `include_operations`: the document and what the
    /// caller may do with it.
    pub async fn document_operations(
        &self,
        caller: &Caller,
        r: &DocumentRef,
    ) -> Result<(DocumentView, Operations)> {
        let mut conn = self.store.read().await?;
        let doc = self.document_for(&mut conn, caller, r, Read).await?;
        let level = doc.level();
        let v = self.view_for(&mut conn, caller, doc.into_inner()).await?;
        let ops = Operations::of(&v, caller, level);
        Ok((v, ops))
    }

    /// PATCH …/documents/{id}: changes the profile of one version.
    pub async fn update_document(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        changes: &DocumentChanges,
        comment: &str,
    ) -> Result<DocumentView> {
        check_len("comments", comment, FREE_TEXT_MAX)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let checkout = dossier_store::documents::checkout(tx.conn(), &r.library, r.number).await?;
        ensure_editable(&checkout, caller, r)?;
        let resecured = changes
            .default_security
            .is_some_and(|d| d != doc.default_security);
        if resecured {
            self.document_for(tx.conn(), caller, r, ChangeSecurity)
                .await?;
        }
        if changes.extension.is_some() && changes.doc_type.is_none() {
            doc.doc_type =
                type_for_extension(changes.extension.as_deref().unwrap_or_default()).to_string();
        }
        changes.apply(&mut doc);
        doc.last_user = caller.user_id.clone();
        doc.edit_profile_date = now;
        validate_document(tx.conn(), &r.library, &doc, changes).await?;
        dossier_store::documents::update(tx.conn(), &doc).await?;
        if resecured {
            // Security belongs to the document, not the version.
            crate::acl_keys::set_document_security(tx.conn(), caller, now, &doc).await?;
        }
        record(
            tx.conn(),
            &doc.id,
            Activity::Modify,
            caller,
            now,
            comment.to_string(),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentProfileUpdated {
                document: doc.id.clone(),
            },
        )
        .await?;
        let v = self.view_for(tx.conn(), caller, doc.into_inner()).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// DELETE …/documents/{id}: deletes that version. Deleting the last version deletes the
    /// document: into its library's recycle bin (`disposal`), or for good when
    /// `recycle_bin_days` is 0. A legal hold or the class's retention refuses either (403).
    /// Content goes only with the garbage collector, since other versions or documents may
    /// share it.
    pub async fn delete_version(&self, caller: &Caller, r: &DocumentRef) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let checkout = dossier_store::documents::checkout(tx.conn(), &r.library, r.number).await?;
        if checkout.is_some() {
            return Err(DomainError::Conflict(format!(
                "document {r} is checked out: check it in or release the lock first"
            )));
        }
        crate::disposal::check_deletable(tx.conn(), &doc, now).await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::Delete,
            caller,
            now,
            String::new(),
        )
        .await?;
        let others =
            dossier_store::documents::version_count(tx.conn(), &r.library, r.number).await? > 1;
        if others {
            dossier_store::documents::delete_version(tx.conn(), &doc.id).await?;
        } else {
            self.dispose(tx.conn(), caller, &doc, now).await?;
        }
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentVersionDeleted {
                version: doc.id.clone(),
            },
        )
        .await?;
        tx.commit().await
    }

    /// GET …/documents/{id}/versions
    pub async fn versions(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        page: Page,
    ) -> Result<(Vec<DocumentView>, Option<i64>)> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        let (docs, total) =
            dossier_store::documents::versions(&mut conn, &r.library, r.number, page).await?;
        Ok((
            self.views_for(&mut conn, caller, &r.library, docs, false)
                .await?,
            total,
        ))
    }
}
