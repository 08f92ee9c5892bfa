//! Documents and their versions: upload, profile, versions, content, check-out, copy, move,
//! references, history, paths and name-value pairs.

use chrono::{DateTime, Utc};
use dossier_core::access::AclKey;
use dossier_core::changes::DocumentChanges;
use dossier_core::doc_type::type_for_extension;
use dossier_core::limits::{FREE_TEXT_MAX, NVP_KEY_MAX, NVP_PAIRS_MAX, NVP_VALUE_MAX, check_len};
use dossier_core::model::TrusteeOwner;
use dossier_core::model::{
    Checkout, Container, ContainerKind, Document, DocumentView, HistoryEntry,
};
use dossier_core::query::DocumentQuery;
use dossier_core::{Activity, ContainerId, DocumentId, DocumentRef, DomainError, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::acl::Visible;
use dossier_store::history::HistoryFilter;
use dossier_store::libraries::Numbering;
use dossier_store::nvps::NvpOwner;

use crate::access::{ChangeSecurity, Checked, Edit, Read};
use crate::events::{Change, emit};
use crate::profile::validate_document;
use crate::{Caller, Dossier, Page, Result};

/// A referenced object that is missing (or invisible to the caller) in a request body is
/// a bad field, not a missing URL; other errors (a 403 on a readable object) stay as they are.
fn not_found_as_invalid(e: DomainError, field: &str, message: String) -> DomainError {
    match e {
        DomainError::NotFound(_) => DomainError::invalid(field, message),
        other => other,
    }
}

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

pub(crate) fn history_entry(
    doc: &DocumentId,
    activity: Activity,
    caller: &Caller,
    now: DateTime<Utc>,
    comments: String,
) -> HistoryEntry {
    HistoryEntry {
        id: 0,
        document: doc.clone(),
        activity: activity.name().into(),
        activity_code: activity.code(),
        activity_date: now,
        user_id: caller.user_id.clone(),
        application_name: String::new(),
        location: String::new(),
        comments,
        duration: 0,
        pages_printed: 0,
        data1: String::new(),
        data2: String::new(),
        num1: 0,
        num2: 0,
        num3: 0,
    }
}

pub(crate) async fn record(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    activity: Activity,
    caller: &Caller,
    now: DateTime<Utc>,
    comments: String,
) -> Result<()> {
    dossier_store::history::insert(conn, &history_entry(doc, activity, caller, now, comments)).await
}

/// Changes to an object's name-value pairs: `None` (or an empty value) deletes a pair.
#[derive(Clone, Debug, Default)]
pub struct NvpChanges(pub Vec<(String, Option<String>)>);

/// Writes name-value pair changes, each pair checked before any is written.
pub(crate) async fn write_nvps(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: NvpOwner,
    pairs: &NvpChanges,
) -> Result<()> {
    let pairs = &pairs.0;
    if pairs.len() > NVP_PAIRS_MAX {
        return Err(DomainError::invalid(
            "body",
            format!(
                "a request may set at most {NVP_PAIRS_MAX} name-value pairs; this one has {}",
                pairs.len()
            ),
        ));
    }
    for (name, value) in pairs {
        check_len("name", name, NVP_KEY_MAX)?;
        if name.trim().is_empty() {
            return Err(DomainError::invalid(
                "name",
                "a name-value pair needs a non-empty name",
            ));
        }
        if let Some(v) = value {
            check_len(name, v, NVP_VALUE_MAX)?;
        }
    }
    for (name, value) in pairs {
        match value.as_deref() {
            None | Some("") => dossier_store::nvps::remove(conn, library, owner, name).await?,
            Some(v) => dossier_store::nvps::set(conn, library, owner, name, v).await?,
        }
    }
    Ok(())
}

/// A check-out's details, as the client gives them.
#[derive(Clone, Debug, Default)]
pub struct CheckoutRequest {
    pub comments: String,
    pub location: String,
    pub path: String,
    pub due_date: Option<DateTime<Utc>>,
}

/// A history entry an integration adds to a document.
#[derive(Clone, Debug)]
pub struct NewHistoryEntry {
    pub activity: Activity,
    pub comments: String,
    pub application_name: String,
    pub location: String,
    pub data1: String,
    pub data2: String,
    pub duration: i64,
    pub pages_printed: i64,
    pub num1: i64,
    pub num2: i64,
    pub num3: i64,
}

impl NewHistoryEntry {
    pub fn new(activity: Activity) -> Self {
        NewHistoryEntry {
            activity,
            comments: String::new(),
            application_name: String::new(),
            location: String::new(),
            data1: String::new(),
            data2: String::new(),
            duration: 0,
            pages_printed: 0,
            num1: 0,
            num2: 0,
            num3: 0,
        }
    }
}

/// The folder an upload, copy or reference goes into: a folder or tab the caller may edit.
pub(crate) async fn upload_folder(
    d: &Dossier,
    conn: &mut AnyConnection,
    caller: &Caller,
    folder: &ContainerId,
) -> Result<Checked<Container, Edit>> {
    let c = d.container_for(conn, caller, folder, Edit).await?;
    if !c.kind.holds_documents() {
        return Err(DomainError::invalid(
            "folder",
            format!(
                "documents are filed in folders and tabs, not in a {}",
                c.kind.as_str()
            ),
        ));
    }
    Ok(c)
}

/// A version whose content the caller may read, as a download or check-out opened it:
/// the only way to the content of a document.
#[derive(Clone, Debug)]
pub struct OpenedContent(Document);

impl OpenedContent {
    /// Only a document the caller passed the check for is opened.
    fn of<N>(checked: Checked<Document, N>) -> Self {
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

    /// DELETE …/documents/{id}: deletes that version; deleting the last version deletes the
    /// document (its filings, pairs and trustees). The content stays until garbage
    /// collection, since other versions or documents may share it.
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
        let remaining = dossier_store::documents::delete_version(tx.conn(), &doc.id).await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::Delete,
            caller,
            now,
            String::new(),
        )
        .await?;
        if remaining == 0 {
            dossier_store::documents::unfile_everywhere(tx.conn(), &r.library, r.number).await?;
            dossier_store::nvps::remove_all(tx.conn(), &r.library, NvpOwner::Document(r.number))
                .await?;
            dossier_store::catalog::remove_trustees(
                tx.conn(),
                &r.library,
                TrusteeOwner::Document,
                r.number,
            )
            .await?;
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

    /// POST …/documents/{id}/copy: a new document (version 1) with the same content and
    /// profile, filed in `folder` or beside the original.
    pub async fn copy_document(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        folder: Option<&ContainerId>,
    ) -> Result<DocumentView> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let source = self.document_for(tx.conn(), caller, r, Read).await?;
        // The folder the copy is filed in, which the caller must be able to change: the one
        // named, or the original's home folder.
        let target = match folder {
            Some(f) => {
                if f.library != r.library {
                    return Err(DomainError::invalid(
                        "folder_id",
                        "a document can only be copied within its library",
                    ));
                }
                upload_folder(self, tx.conn(), caller, f)
                    .await
                    .map_err(|e| {
                        not_found_as_invalid(e, "folder_id", format!("{f} is not a folder"))
                    })?
            }
            None => {
                let filings =
                    dossier_store::documents::filings_of(tx.conn(), &r.library, r.number).await?;
                let home = filings.first().ok_or_else(|| {
                    DomainError::invalid(
                        "folder_id",
                        format!("document {r} is not filed anywhere: name a folder_id"),
                    )
                })?;
                let home = ContainerId::new(r.library.clone(), home.folder);
                upload_folder(self, tx.conn(), caller, &home).await?
            }
        };
        let number =
            dossier_store::libraries::next_number(tx.conn(), &r.library, Numbering::Document)
                .await?;
        let mut copy = Document::clone(&source);
        copy.id = DocumentId::new(r.library.clone(), number, 1);
        // The copy keeps the original's security: its own ACL (with the same trustees)
        // when the original had one, else whatever its new folder gives.
        let trustees = dossier_store::catalog::trustees(
            tx.conn(),
            &r.library,
            TrusteeOwner::Document,
            r.number,
        )
        .await?;
        let target_acl = target.acl;
        let (acl, owns_acl) = crate::acl_keys::key_for_new(
            tx.conn(),
            &r.library,
            AclKey::Document(number),
            &mut copy.default_security,
            !trustees.is_empty(),
            Some(target_acl),
        )
        .await?;
        copy.acl = acl;
        copy.author = caller.user_id.clone();
        copy.operator = caller.user_id.clone();
        copy.last_user = caller.user_id.clone();
        copy.create_date = now;
        copy.edit_date = now;
        copy.edit_profile_date = now;
        dossier_store::documents::insert_first(tx.conn(), &copy).await?;
        dossier_store::documents::file(tx.conn(), &r.library, target.id.number, number, false, now)
            .await?;
        dossier_store::catalog::set_trustees(
            tx.conn(),
            &r.library,
            TrusteeOwner::Document,
            number,
            &trustees,
        )
        .await?;
        if owns_acl {
            crate::acl_keys::security_changed(
                tx.conn(),
                caller,
                now,
                Change::DocumentSecurityChanged {
                    document: copy.id.clone(),
                },
            )
            .await?;
        }
        dossier_store::nvps::copy(
            tx.conn(),
            &r.library,
            NvpOwner::Document(r.number),
            NvpOwner::Document(number),
        )
        .await?;
        record(
            tx.conn(),
            &source.id,
            Activity::Copy,
            caller,
            now,
            format!("copied to {}", copy.id),
        )
        .await?;
        record(
            tx.conn(),
            &copy.id,
            Activity::NewDocument,
            caller,
            now,
            format!("copy of {}", source.id),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentCopied {
                document: copy.id.clone(),
                source: source.id.clone(),
            },
        )
        .await?;
        let v = self.view_for(tx.conn(), caller, copy).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// POST …/folders/{from}/documents/{id}/move: refiles the document from one folder in
    /// another; a reference stays a reference and the home filing stays the home filing.
    pub async fn move_document(
        &self,
        caller: &Caller,
        from: &ContainerId,
        r: &DocumentRef,
        to: &ContainerId,
    ) -> Result<DocumentView> {
        if to.library != r.library || from.library != r.library {
            return Err(DomainError::invalid(
                "destination_folder_id",
                "a document can only be moved within its library",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        upload_folder(self, tx.conn(), caller, to)
            .await
            .map_err(|e| {
                not_found_as_invalid(e, "destination_folder_id", format!("{to} is not a folder"))
            })?;
        let filings = dossier_store::documents::filings_of(tx.conn(), &r.library, r.number).await?;
        let filing = filings
            .iter()
            .find(|f| f.folder == from.number)
            .ok_or_else(|| DomainError::not_found(format!("document {r} in folder {from}")))?;
        if filings.iter().any(|f| f.folder == to.number) {
            return Err(DomainError::Conflict(format!(
                "document {r} is already filed in {to}"
            )));
        }
        dossier_store::documents::unfile(tx.conn(), &r.library, from.number, r.number).await?;
        dossier_store::documents::file(
            tx.conn(),
            &r.library,
            to.number,
            r.number,
            filing.is_reference,
            now,
        )
        .await?;
        if !filing.is_reference {
            // A document that inherits now inherits from its new home folder.
            crate::acl_keys::resecure_document(
                tx.conn(),
                &r.library,
                r.number,
                doc.default_security,
            )
            .await?;
        }
        record(
            tx.conn(),
            &doc.id,
            Activity::Move,
            caller,
            now,
            format!("from {from} to {to}"),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentUnfiled {
                document: doc.id.clone(),
                folder: from.clone(),
            },
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentFiled {
                document: doc.id.clone(),
                folder: to.clone(),
            },
        )
        .await?;
        let v = self.view_for(tx.conn(), caller, doc.into_inner()).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Files an existing document in another folder as a reference.
    pub async fn add_reference(
        &self,
        caller: &Caller,
        folder: &ContainerId,
        r: &DocumentRef,
    ) -> Result<DocumentView> {
        if folder.library != r.library {
            return Err(DomainError::invalid(
                "document_id",
                "a reference must stay within the document's library",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        upload_folder(self, tx.conn(), caller, folder).await?;
        let doc = self
            .document_for(tx.conn(), caller, r, Read)
            .await
            .map_err(|e| {
                not_found_as_invalid(e, "document_id", format!("document {r} does not exist"))
            })?;
        let filings = dossier_store::documents::filings_of(tx.conn(), &r.library, r.number).await?;
        if filings.iter().any(|f| f.folder == folder.number) {
            return Err(DomainError::Conflict(format!(
                "document {r} is already filed in {folder}"
            )));
        }
        dossier_store::documents::file(
            tx.conn(),
            &r.library,
            folder.number,
            r.number,
            !filings.is_empty(),
            now,
        )
        .await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::AddReference,
            caller,
            now,
            format!("in {folder}"),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentFiled {
                document: doc.id.clone(),
                folder: folder.clone(),
            },
        )
        .await?;
        let v = self.view_for(tx.conn(), caller, doc.into_inner()).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// DELETE …/folders/{id}/documents/{docId}: removes a reference. The home filing cannot
    /// be removed this way: move or delete the document instead.
    pub async fn remove_reference(
        &self,
        caller: &Caller,
        folder: &ContainerId,
        r: &DocumentRef,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Read).await?;
        // Unfiling changes the folder, whatever the caller may do to the document.
        self.container_for(tx.conn(), caller, folder, Edit).await?;
        let filings = dossier_store::documents::filings_of(tx.conn(), &r.library, r.number).await?;
        let filing = filings
            .iter()
            .find(|f| f.folder == folder.number)
            .ok_or_else(|| DomainError::not_found(format!("document {r} in folder {folder}")))?;
        if !filing.is_reference {
            return Err(DomainError::Conflict(format!(
                "{folder} is the home folder of document {r}: move or delete the document instead"
            )));
        }
        dossier_store::documents::unfile(tx.conn(), &r.library, folder.number, r.number).await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::RemoveReference,
            caller,
            now,
            format!("from {folder}"),
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentUnfiled {
                document: doc.id.clone(),
                folder: folder.clone(),
            },
        )
        .await?;
        tx.commit().await
    }

    /// GET …/documents/{id}/history
    pub async fn history(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        filter: &HistoryFilter,
        page: Page,
    ) -> Result<(Vec<HistoryEntry>, Option<i64>)> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        dossier_store::history::list(&mut conn, &r.library, r.number, filter, page).await
    }

    /// POST …/documents/{id}/history: an entry added by an integration.
    pub async fn add_history(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        new: NewHistoryEntry,
    ) -> Result<HistoryEntry> {
        for (field, text) in [
            ("comments", &new.comments),
            ("application_name", &new.application_name),
            ("location", &new.location),
            ("data1", &new.data1),
            ("data2", &new.data2),
        ] {
            check_len(field, text, FREE_TEXT_MAX)?;
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let mut entry = history_entry(&doc.id, new.activity, caller, now, new.comments);
        entry.application_name = new.application_name;
        entry.location = new.location;
        entry.duration = new.duration;
        entry.pages_printed = new.pages_printed;
        entry.data1 = new.data1;
        entry.data2 = new.data2;
        entry.num1 = new.num1;
        entry.num2 = new.num2;
        entry.num3 = new.num3;
        dossier_store::history::insert(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// GET …/documents/{id}/path: one path (workspace → folder) per filing, home first.
    pub async fn document_paths(
        &self,
        caller: &Caller,
        r: &DocumentRef,
    ) -> Result<Vec<Vec<Container>>> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        let mut chains = Vec::new();
        for f in dossier_store::documents::filings_of(&mut conn, &r.library, r.number).await? {
            chains.push(
                dossier_store::containers::ancestors(
                    &mut conn,
                    &ContainerId::new(r.library.clone(), f.folder),
                )
                .await?,
            );
        }
        drop(conn);
        // A path shows only the containers the caller may read.
        let mut out = Vec::with_capacity(chains.len());
        for chain in chains {
            out.push(self.readable_containers(caller, &r.library, chain).await?);
        }
        Ok(out)
    }

    pub async fn document_nvps(
        &self,
        caller: &Caller,
        r: &DocumentRef,
    ) -> Result<Vec<(String, String)>> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        dossier_store::nvps::list(&mut conn, &r.library, NvpOwner::Document(r.number)).await
    }

    pub async fn update_document_nvps(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        pairs: &NvpChanges,
    ) -> Result<Vec<(String, String)>> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        write_nvps(tx.conn(), &r.library, NvpOwner::Document(r.number), pairs).await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentUpdated {
                document: doc.id.clone(),
            },
        )
        .await?;
        let out =
            dossier_store::nvps::list(tx.conn(), &r.library, NvpOwner::Document(r.number)).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// GET …/folders/{id}/documents, GET …/documents: latest versions matching `filter`.
    pub async fn documents_in(
        &self,
        caller: &Caller,
        library: &LibraryId,
        query: &DocumentQuery,
        page: Page,
    ) -> Result<(Vec<DocumentView>, Option<i64>)> {
        let visible = self.visibility(caller, library).await?;
        let mut conn = self.store.read().await?;
        let (docs, total) =
            dossier_store::documents::search(&mut conn, library, query, visible.as_ref(), page)
                .await?;
        let docs = views(&mut conn, docs, true, visible.as_ref()).await?;
        Ok((docs, total))
    }

    /// Checks a folder id for a document listing: a folder or tab of the library.
    pub async fn document_folder(&self, caller: &Caller, id: &ContainerId) -> Result<Container> {
        let mut conn = self.store.read().await?;
        Ok(self
            .container_kind_for(
                &mut conn,
                caller,
                id,
                &[ContainerKind::Folder, ContainerKind::Tab],
                Read,
            )
            .await?
            .into_inner())
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
