//! Where documents are filed: copies, moves, references, a document's paths, a folder's
//! documents.

use dossier_core::access::AclKey;
use dossier_core::changes::{DocumentChanges, DocumentDefaults};
use dossier_core::limits::{FREE_TEXT_MAX, check_len};
use dossier_core::model::TrusteeOwner;
use dossier_core::model::{Container, ContainerKind, Document, DocumentView};
use dossier_core::query::DocumentQuery;
use dossier_core::{
    Activity, ContainerId, DefaultSecurity, DocumentId, DocumentRef, DomainError, LibraryId,
};
use dossier_store::AnyConnection;
use dossier_store::libraries::Numbering;
use dossier_store::nvps::NvpOwner;

use super::{record, views};
use crate::access::{Checked, Edit, Read};
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

/// The folder an upload, copy or reference goes into: a folder or tab the caller may edit.
pub(crate) async fn upload_folder(
    d: &Dossier,
    conn: &mut AnyConnection,
    caller: &Caller,
    folder: &ContainerId,
) -> Result<Checked<Container, Edit>> {
    let c = d.container_for(conn, caller, folder, Edit).await?;
    if c.is_template {
        return Err(DomainError::invalid(
            "folder",
            format!("{folder} belongs to a workspace template, and templates hold no documents"),
        ));
    }
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

impl Dossier {
    /// Whether the caller may file new documents in `folder`: the check an upload makes
    /// before its content arrives, asked ahead so a surface offers uploading only where it
    /// would succeed. A folder the caller may not read stays missing.
    pub async fn may_file_in(&self, caller: &Caller, folder: &ContainerId) -> Result<bool> {
        let mut conn = self.store.read().await?;
        match upload_folder(self, &mut conn, caller, folder).await {
            Ok(_) => Ok(true),
            Err(DomainError::Forbidden(_) | DomainError::Invalid { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// How a move treats the document beyond refiling it.
#[derive(Clone, Debug)]
pub struct MoveOptions {
    /// The moved version takes the destination folder's default profile: its class,
    /// subclass and custom fields (the matter's metadata). Authors, operators and comments
    /// are people's and stay; security is `security_from_destination`'s to decide.
    pub profile_from_destination: bool,
    /// A document that inherits its security follows its new home folder; otherwise it
    /// keeps the security it had, which becomes its own.
    pub security_from_destination: bool,
    /// The client's words, recorded with the move in the document's history.
    pub comment: String,
}

impl Default for MoveOptions {
    /// Refiling only: the profile stays, inherited security follows the new folder.
    fn default() -> Self {
        MoveOptions {
            profile_from_destination: false,
            security_from_destination: true,
            comment: String::new(),
        }
    }
}

/// The part of a folder's default profile a moved document takes.
fn destination_profile(defaults: &DocumentDefaults) -> DocumentChanges {
    let matter = DocumentDefaults {
        class: defaults.class.clone(),
        subclass: defaults.subclass.clone(),
        customs: defaults.customs.clone(),
        ..DocumentDefaults::default()
    };
    DocumentChanges::default().with_defaults(&matter)
}

/// Gives an inheriting document the security it inherits now (default security and
/// trustees) as its own, so that leaving its home folder does not change who may read it.
async fn keep_security(
    conn: &mut AnyConnection,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
    doc: &mut Document,
) -> Result<()> {
    let library = doc.id.library.clone();
    let (security, trustees) = dossier_store::acl::governing(conn, &library, doc.acl).await?;
    dossier_store::catalog::remove_trustees(conn, &library, TrusteeOwner::Document, doc.id.number)
        .await?;
    dossier_store::catalog::set_trustees(
        conn,
        &library,
        TrusteeOwner::Document,
        doc.id.number,
        &trustees,
    )
    .await?;
    doc.default_security = security;
    doc.acl = AclKey::Document(doc.id.number).encode();
    crate::acl_keys::set_document_security(conn, caller, now, doc).await
}

impl Dossier {
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
        dossier_store::metadata::copy_document(tx.conn(), &r.library, r.number, number).await?;
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
    /// `options` say whether the moved version takes the destination's profile and whether
    /// the document's security follows its new home folder; the move, the profile and the
    /// security change in one transaction.
    pub async fn move_document(
        &self,
        caller: &Caller,
        from: &ContainerId,
        r: &DocumentRef,
        to: &ContainerId,
        options: &MoveOptions,
    ) -> Result<DocumentView> {
        check_len("comments", &options.comment, FREE_TEXT_MAX)?;
        if to.library != r.library || from.library != r.library {
            return Err(DomainError::invalid(
                "destination_folder_id",
                "a document can only be moved within its library",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let destination = upload_folder(self, tx.conn(), caller, to)
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
        let mut doc = doc.into_inner();
        if !filing.is_reference
            && !options.security_from_destination
            && doc.default_security == DefaultSecurity::Inherit
        {
            keep_security(tx.conn(), caller, now, &mut doc).await?;
        }
        if options.profile_from_destination
            && let Some(defaults) = &destination.default_profile
        {
            let changes = destination_profile(defaults);
            changes.apply(&mut doc);
            doc.last_user = caller.user_id.clone();
            doc.edit_profile_date = now;
            validate_document(tx.conn(), &r.library, &doc, &changes).await?;
            dossier_store::documents::update(tx.conn(), &doc).await?;
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
            if options.comment.trim().is_empty() {
                format!("from {from} to {to}")
            } else {
                format!("from {from} to {to}: {}", options.comment.trim())
            },
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
        let v = self.view_for(tx.conn(), caller, doc).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Files a document the caller may read in `folder` (checked by the caller) as a
    /// reference, with its history entry and event; false when it is filed there already.
    pub(crate) async fn file_reference(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        folder: &ContainerId,
        doc: &Document,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let (library, number) = (&doc.id.library, doc.id.number);
        let filings = dossier_store::documents::filings_of(conn, library, number).await?;
        if filings.iter().any(|f| f.folder == folder.number) {
            return Ok(false);
        }
        dossier_store::documents::file(
            conn,
            library,
            folder.number,
            number,
            !filings.is_empty(),
            now,
        )
        .await?;
        record(
            conn,
            &doc.id,
            Activity::AddReference,
            caller,
            now,
            format!("in {folder}"),
        )
        .await?;
        emit(
            conn,
            caller,
            now,
            Change::DocumentFiled {
                document: doc.id.clone(),
                folder: folder.clone(),
            },
        )
        .await?;
        Ok(true)
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
        if !self
            .file_reference(tx.conn(), caller, folder, &doc, now)
            .await?
        {
            return Err(DomainError::Conflict(format!(
                "document {r} is already filed in {folder}"
            )));
        }
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
