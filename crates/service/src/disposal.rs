//! Disposing of documents: deleting a document puts it in its library's recycle bin, from
//! which its owner or an administrator restores it within `recycle_bin_days`; after that
//! (or at once, by an administrator) it is purged, every version gone for good. Legal holds
//! (on the document or its workspace) keep a document from deletion and purge; a class's
//! retain days keep it from deletion until they end. The bytes of purged content go with
//! the garbage collector (`gc`).

use chrono::{DateTime, Utc};
use dossier_core::access::AclKey;
use dossier_core::disposal::{
    HoldTarget, LegalHold, RecycledDocument, check_retention, retained_until,
};
use dossier_core::model::{Document, DocumentView, TrusteeOwner};
use dossier_core::{Activity, ContainerId, DefaultSecurity, DocumentRef, DomainError, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::nvps::NvpOwner;

use dossier_core::identity::{AuditAction, AuditOutcome};
use serde_json::json;

use crate::audit::Audit;
use crate::catalog::require_library_admin;
use crate::documents::record;
use crate::events::{Change, emit};
use crate::{Caller, Dossier, Page, Result};

/// How many due documents the housekeeping reads at a time.
const PURGE_BATCH: i64 = 1000;

/// Refuses disposing of a document a legal hold covers (its own, or its workspace's).
pub(crate) async fn check_hold(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    what: &str,
) -> Result<()> {
    match dossier_store::holds::covering_document(conn, library, number).await? {
        Some(hold) => Err(hold.refusal(what)),
        None => Ok(()),
    }
}

/// Refuses deleting a document (or one of its versions) that a hold covers or its class's
/// (or subclass's) retention still keeps at `now`; the latest version's class and last edit
/// decide.
pub(crate) async fn check_deletable(
    conn: &mut AnyConnection,
    doc: &Document,
    now: DateTime<Utc>,
) -> Result<()> {
    let library = &doc.id.library;
    let what = format!("document {}!{}", library, doc.id.number);
    check_hold(conn, library, doc.id.number, &what).await?;
    let latest = dossier_store::documents::get_latest(conn, library, doc.id.number)
        .await?
        .unwrap_or_else(|| doc.clone());
    let mut days = dossier_store::catalog::get_class(conn, library, &latest.class)
        .await?
        .map_or(0, |c| c.settings.retain_days);
    if let Some(sub) = &latest.subclass
        && let Some(s) =
            dossier_store::catalog::get_subclass(conn, library, &latest.class, sub).await?
    {
        days = days.max(s.settings.retain_days);
    }
    check_retention(
        &what,
        &latest.class,
        retained_until(latest.edit_date, days),
        now,
    )
}

/// Removes every row of a document for good: versions, filings (set aside or not), pairs,
/// metadata values, trustees and the shortcuts to it. History stays, as it did for a
/// deleted document before the recycle bin.
pub(crate) async fn erase(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<()> {
    dossier_store::documents::delete_all_versions(conn, library, number).await?;
    dossier_store::documents::unfile_everywhere(conn, library, number).await?;
    dossier_store::recycle::forget(conn, library, number).await?;
    dossier_store::nvps::remove_all(conn, library, NvpOwner::Document(number)).await?;
    dossier_store::metadata::remove_document(conn, library, number).await?;
    dossier_store::catalog::remove_trustees(conn, library, TrusteeOwner::Document, number).await?;
    // Shortcuts in My Matters and My Favorites go with their document.
    dossier_store::shortcuts::delete_to(
        conn,
        library,
        dossier_core::matters::TargetKind::Document,
        number,
    )
    .await
}

/// Whether `caller` administers `library` (NRTADMIN or an administration role there).
async fn administers(
    conn: &mut AnyConnection,
    caller: &Caller,
    library: &LibraryId,
) -> Result<bool> {
    match require_library_admin(conn, caller, library).await {
        Ok(()) => Ok(true),
        Err(DomainError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A hold's target as messages and audit records name it (`workspace ACTIVE!7`).
fn hold_name(t: &HoldTarget) -> String {
    format!("{} {}!{}", t.kind(), t.library(), t.number())
}

fn not_in_bin(library: &LibraryId, number: i64) -> DomainError {
    DomainError::not_found(format!("document {library}!{number} in the recycle bin"))
}

impl Dossier {
    /// Deletes a whole document (its last version went): into the recycle bin, or for good
    /// when `recycle_bin_days` is 0. Runs in the deletion's transaction, after its checks.
    pub(crate) async fn dispose(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        doc: &Document,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let library = &doc.id.library;
        let period = self.settings.recycle_period;
        if period.is_immediate() {
            return erase(conn, library, doc.id.number).await;
        }
        dossier_store::recycle::put(
            conn,
            library,
            doc.id.number,
            doc.id.version,
            &caller.user_id,
            now,
            period.purge_after(now),
        )
        .await
    }

    /// GET …/trash-bin/documents: an administrator sees the library's whole recycle bin,
    /// anyone else the documents they deleted or authored.
    pub async fn recycle_bin(
        &self,
        caller: &Caller,
        library: &LibraryId,
        page: Page,
    ) -> Result<Vec<RecycledDocument>> {
        let mut conn = self.store.read().await?;
        let user = if administers(&mut conn, caller, library).await? {
            None
        } else {
            Some(caller.user_id.as_str())
        };
        dossier_store::recycle::list(&mut conn, library, user, &page).await
    }

    /// The entry of a document in the recycle bin, for an administrator or its owner; a 404
    /// for anyone else, as for a document they cannot read.
    async fn bin_entry(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        number: i64,
    ) -> Result<(RecycledDocument, bool)> {
        let entry = dossier_store::recycle::entry(conn, library, number)
            .await?
            .ok_or_else(|| not_in_bin(library, number))?;
        let admin = administers(conn, caller, library).await?;
        if !admin && !entry.belongs_to(&caller.user_id) {
            return Err(not_in_bin(library, number));
        }
        Ok((entry, admin))
    }

    /// POST …/trash-bin/documents/{id}/restore: puts a document back where it was filed (its
    /// references too, where their folders remain), or into `into`, a folder the caller may
    /// file in; 409 when its home folder is gone and no folder is named.
    pub async fn restore_document(
        &self,
        caller: &Caller,
        library: &LibraryId,
        number: i64,
        into: Option<&ContainerId>,
        comment: &str,
    ) -> Result<DocumentView> {
        dossier_core::limits::check_len("comments", comment, dossier_core::limits::FREE_TEXT_MAX)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let (entry, _) = self.bin_entry(tx.conn(), caller, library, number).await?;
        let home = match into {
            Some(folder) => {
                crate::documents::upload_folder(self, tx.conn(), caller, folder).await?;
                folder.number
            }
            None => {
                let gone = || {
                    DomainError::Conflict(format!(
                        "the folder document {library}!{number} was filed in no longer exists: restore it into a folder (folder_ids)"
                    ))
                };
                let folder = entry.home_folder.as_ref().ok_or_else(gone)?;
                dossier_store::containers::get(tx.conn(), folder)
                    .await?
                    .ok_or_else(gone)?
                    .id
                    .number
            }
        };
        let doc = entry.document;
        let filings =
            dossier_store::recycle::take_out(tx.conn(), library, number, doc.id.version).await?;
        dossier_store::documents::file(tx.conn(), library, home, number, false, now).await?;
        for f in filings
            .iter()
            .filter(|f| f.is_reference && f.folder != home)
        {
            let folder = ContainerId::new(library.clone(), f.folder);
            if dossier_store::containers::get(tx.conn(), &folder)
                .await?
                .is_some()
            {
                dossier_store::documents::file(
                    tx.conn(),
                    library,
                    f.folder,
                    number,
                    true,
                    f.filed_at,
                )
                .await?;
            }
        }
        // Its folder's security may have changed while it was in the bin.
        crate::acl_keys::resecure_document(tx.conn(), library, number, doc.default_security)
            .await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::Restore,
            caller,
            now,
            comment.to_string(),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentRestored {
                version: doc.id.clone(),
            },
        )
        .await?;
        if doc.default_security != DefaultSecurity::Inherit {
            // A document with its own security is an ACL object of its library again.
            debug_assert_eq!(doc.acl, AclKey::Document(number).encode());
            crate::acl_keys::security_changed(
                tx.conn(),
                caller,
                now,
                Change::DocumentSecurityChanged {
                    document: doc.id.clone(),
                },
            )
            .await?;
        }
        let r = DocumentRef {
            library: library.clone(),
            number,
            version: None,
        };
        let doc = dossier_store::documents::get_latest(tx.conn(), library, r.number)
            .await?
            .ok_or_else(|| DomainError::internal("restored document vanished"))?;
        let view = self.view_for(tx.conn(), caller, doc).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// DELETE …/trash-bin/documents/{id}: purges a document in the recycle bin now
    /// (administrators; its owner gets a 403).
    pub async fn purge_document(
        &self,
        caller: &Caller,
        library: &LibraryId,
        number: i64,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let (entry, admin) = self.bin_entry(tx.conn(), caller, library, number).await?;
        if !admin {
            return Err(DomainError::Forbidden(format!(
                "purging document {library}!{number} needs the library's administrator rights; it is purged by itself on {}",
                entry.purge_after.format("%Y-%m-%d")
            )));
        }
        self.purge_in(tx.conn(), caller, &entry, now).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::DocumentPurge,
                target: Some(format!("{library}!{number}")),
                outcome: AuditOutcome::Success,
                detail: json!({"deleted_by": entry.deleted_by, "name": entry.document.name}),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn purge_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        entry: &RecycledDocument,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let id = &entry.document.id;
        check_hold(
            conn,
            &id.library,
            id.number,
            &format!("document {}!{}", id.library, id.number),
        )
        .await?;
        erase(conn, &id.library, id.number).await?;
        emit(
            conn,
            caller,
            now,
            Change::DocumentPurged {
                version: id.clone(),
            },
        )
        .await
    }

    /// Purges the documents whose time in the recycle bin is over (housekeeping); those a
    /// legal hold keeps stay, and are passed over. Returns how many went.
    pub async fn purge_expired_documents(&self) -> Result<usize> {
        let now = self.now();
        let console = Caller::console(self.settings.customer_id);
        let (mut purged, mut kept) = (0, 0);
        loop {
            // Purged entries leave the bin and kept ones stay ahead of the rest in its
            // order, so skipping those kept reads on from where the last page ended.
            let due = {
                let mut conn = self.store.read().await?;
                dossier_store::recycle::due(&mut conn, now, kept, PURGE_BATCH).await?
            };
            let last_page = (due.len() as i64) < PURGE_BATCH;
            for (library, number) in due {
                let mut tx = self.store.begin().await?;
                let Some(entry) =
                    dossier_store::recycle::entry(tx.conn(), &library, number).await?
                else {
                    continue;
                };
                match self.purge_in(tx.conn(), &console, &entry, now).await {
                    Ok(()) => {
                        tx.commit().await?;
                        purged += 1;
                    }
                    Err(DomainError::Forbidden(why)) => {
                        tracing::info!(%why, "kept a document due for purging");
                        kept += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            if last_page {
                return Ok(purged);
            }
        }
    }

    /// PUT …/legal-hold: places (or re-words) a legal hold on a document, in the recycle
    /// bin or not, or a workspace. Administrators of the library only.
    pub async fn place_legal_hold(
        &self,
        caller: &Caller,
        target: HoldTarget,
        reason: &str,
    ) -> Result<LegalHold> {
        dossier_core::limits::check_len("reason", reason, dossier_core::limits::FREE_TEXT_MAX)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.require_hold_admin(tx.conn(), caller, &target).await?;
        let hold = LegalHold {
            target,
            reason: reason.to_string(),
            held_by: caller.user_id.clone(),
            held_at: now,
        };
        let before = dossier_store::holds::get(tx.conn(), &hold.target).await?;
        dossier_store::holds::place(tx.conn(), &hold).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::LegalHoldPlace,
                target: Some(hold_name(&hold.target)),
                outcome: AuditOutcome::Success,
                detail: json!({"before": before.map(|h| h.reason), "reason": hold.reason}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(hold)
    }

    /// DELETE …/legal-hold: releases a hold; 404 when there is none.
    pub async fn release_legal_hold(&self, caller: &Caller, target: HoldTarget) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.require_hold_admin(tx.conn(), caller, &target).await?;
        let Some(hold) = dossier_store::holds::get(tx.conn(), &target).await? else {
            return Err(DomainError::not_found(format!(
                "legal hold on {}",
                hold_name(&target)
            )));
        };
        dossier_store::holds::release(tx.conn(), &target).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::LegalHoldRelease,
                target: Some(hold_name(&target)),
                outcome: AuditOutcome::Success,
                detail: json!({"reason": hold.reason, "held_by": hold.held_by}),
            },
        )
        .await?;
        tx.commit().await
    }

    /// GET …/legal-holds: a library's holds, for its administrators.
    pub async fn legal_holds(
        &self,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<Vec<LegalHold>> {
        let mut conn = self.store.read().await?;
        require_library_admin(&mut conn, caller, library).await?;
        dossier_store::holds::list(&mut conn, library).await
    }

    /// Holds are for the library's administrators, and a hold's target must exist (a
    /// document may be in the recycle bin).
    async fn require_hold_admin(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        target: &HoldTarget,
    ) -> Result<()> {
        require_library_admin(conn, caller, target.library()).await?;
        let exists = match target {
            HoldTarget::Document { library, number } => {
                dossier_store::documents::get_latest(conn, library, *number)
                    .await?
                    .is_some()
                    || dossier_store::recycle::contains(conn, library, *number).await?
            }
            HoldTarget::Workspace(w) => dossier_store::containers::get(conn, w)
                .await?
                .is_some_and(|c| c.id.number == c.workspace),
        };
        if !exists {
            return Err(DomainError::not_found(hold_name(target)));
        }
        Ok(())
    }
}
