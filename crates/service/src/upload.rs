//! Uploads as a use case, in three steps so that a surface streaming a request body never
//! stores a byte it would have to refuse:
//! 1. `plan_upload` checks what the upload needs before its content arrives: the caller's
//!    right to add to the folder or document, the profile against the library, the
//!    folder's default profile, the trustees, the check-out;
//! 2. `receive_content` streams the bytes into the content store and returns once they are
//!    durable;
//! 3. `commit_upload` files them in one transaction, checking again, since the library
//!    may have changed while the bytes streamed.
//!
//! A multipart body may carry its file before its profile; a surface then receives the
//! content first and plans afterwards, as iManage accepts either order.
//!
//! The same three steps serve a new document, a new version and a replaced file.

use crate::metadata::write_values;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use dossier_blob::StoredBlob;
use dossier_core::access::AclKey;
use dossier_core::changes::DocumentChanges;
use dossier_core::doc_type::{content_type_for_extension, type_for_extension};
use dossier_core::metadata::MetadataChanges;
use dossier_core::model::{
    Checkout, Container, Document, DocumentView, Trustee, TrusteeOwner, WsType,
};
use dossier_core::{Activity, ContainerId, DefaultSecurity, DocumentId, DocumentRef, DomainError};
use dossier_store::AnyConnection;
use dossier_store::libraries::Numbering;
use futures::Stream;

use crate::access::{Checked, Edit};
use crate::documents::{ensure_editable, record};
use crate::events::{Change, emit};
use crate::profile::validate_document;
use crate::{Caller, Dossier, Result, blob_error, trustees};

/// What an upload adds content to.
#[derive(Clone, Debug)]
pub enum UploadTarget {
    /// A new document filed in this folder or tab.
    NewDocument(ContainerId),
    /// A new latest version of this document.
    NewVersion(DocumentRef),
    /// New content for this version, in place.
    Replacement(DocumentRef),
}

/// What a client sends along with the content.
#[derive(Clone, Debug)]
pub struct UploadInput {
    pub changes: DocumentChanges,
    /// Security of a new document; ignored for new content of an existing one.
    pub trustees: Vec<Trustee>,
    /// Keep (or take) the document checked out to the caller.
    pub keep_locked: bool,
    /// The comment recorded in the document's history.
    pub comment: String,
    /// Whether a new document takes its folder's default profile where its own profile
    /// is silent (iManage's `inherit_profile_from_folder`, on unless turned off).
    pub inherit_folder_profile: bool,
    /// Extended-metadata values (a new document's must include every required property).
    pub metadata: MetadataChanges,
}

impl Default for UploadInput {
    fn default() -> Self {
        UploadInput {
            changes: DocumentChanges::default(),
            trustees: Vec::new(),
            keep_locked: false,
            comment: String::new(),
            inherit_folder_profile: true,
            metadata: MetadataChanges::default(),
        }
    }
}

/// An upload that passed its checks, waiting for its content.
#[derive(Debug)]
pub struct UploadPlan {
    caller: Caller,
    target: UploadTarget,
    input: UploadInput,
}

impl UploadPlan {
    pub fn target(&self) -> &UploadTarget {
        &self.target
    }
}

/// Content stored durably under its hash, not yet part of any document. Content that is
/// never committed is an unregistered blob, which `dossier check` reports.
#[derive(Debug)]
pub struct ReceivedContent {
    blob: StoredBlob,
    file_name: Option<String>,
}

impl ReceivedContent {
    pub fn size(&self) -> i64 {
        self.blob.size
    }

    /// The name the client gave the file, if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }
}

/// What an upload filed.
#[derive(Debug)]
pub struct Uploaded {
    pub view: DocumentView,
    /// The upload was an email already filed in the folder's workspace (the library's
    /// email settings de-duplicate): no document was created, `view` is the email that was
    /// there, now also filed in the folder as a reference.
    pub duplicate: bool,
}

impl Uploaded {
    fn new(view: DocumentView) -> Uploaded {
        Uploaded {
            view,
            duplicate: false,
        }
    }
}

/// The name checked in place of a file name that has not arrived yet; the commit checks
/// the real one.
const PENDING_NAME: &str = "pending upload";

/// Splits an uploaded file's name into (name, extension), dropping any directory part a
/// client may have sent.
fn split_file_name(file_name: &str) -> (String, String) {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .trim();
    match base.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && !ext.is_empty()
                && ext.len() <= 32
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (stem.to_string(), ext.to_ascii_lowercase())
        }
        _ => (base.to_string(), String::new()),
    }
}

/// A new document's extension: the profile's, else the file's.
fn extension_of(changes: &DocumentChanges, file_name: Option<&str>) -> String {
    changes
        .extension
        .clone()
        .unwrap_or_else(|| file_name.map(split_file_name).unwrap_or_default().1)
}

/// The fields of a document an upload creates, before validation.
fn new_document(
    caller: &Caller,
    id: DocumentId,
    changes: &DocumentChanges,
    file_name: Option<&str>,
    blob: Option<&StoredBlob>,
    now: DateTime<Utc>,
) -> Result<Document> {
    let (file_stem, _) = file_name.map(split_file_name).unwrap_or_default();
    let extension = extension_of(changes, file_name);
    let name = match changes.name.clone() {
        Some(n) => n,
        None if !file_stem.is_empty() => dossier_core::limits::check_name("name", &file_stem)?,
        None => return Err(DomainError::required("name")),
    };
    let wstype = WsType::for_extension(&extension);
    let mut doc = Document {
        id,
        name,
        doc_type: type_for_extension(&extension).to_string(),
        content_type: content_type_for_extension(&extension).to_string(),
        extension,
        class: if wstype == WsType::Email {
            "EMAIL".into()
        } else {
            "DOC".into()
        },
        subclass: None,
        author: caller.user_id.clone(),
        operator: caller.user_id.clone(),
        last_user: caller.user_id.clone(),
        comment: String::new(),
        size: blob.map_or(0, |b| b.size),
        content_hash: blob.map(|b| b.hash.clone()).unwrap_or_default(),
        default_security: DefaultSecurity::Inherit,
        wstype,
        create_date: now,
        edit_date: now,
        edit_profile_date: now,
        file_create_date: None,
        file_edit_date: None,
        email: Default::default(),
        acl: -1,
        customs: Default::default(),
    };
    changes.apply(&mut doc);
    Ok(doc)
}

/// A new version of `latest`: its profile, with the new file's extension unless the
/// change names one.
fn next_version(
    caller: &Caller,
    latest: &Document,
    changes: &DocumentChanges,
    file_name: Option<&str>,
    blob: Option<&StoredBlob>,
    now: DateTime<Utc>,
) -> Document {
    let mut doc = latest.clone();
    doc.id.version = latest.id.version + 1;
    let (_, file_ext) = file_name.map(split_file_name).unwrap_or_default();
    if changes.extension.is_none() && !file_ext.is_empty() {
        doc.extension = file_ext;
        doc.doc_type = type_for_extension(&doc.extension).to_string();
    }
    changes.apply(&mut doc);
    doc.content_type = content_type_for_extension(&doc.extension).to_string();
    if let Some(b) = blob {
        doc.size = b.size;
        doc.content_hash = b.hash.clone();
    }
    doc.last_user = caller.user_id.clone();
    doc.operator = changes
        .operator
        .clone()
        .unwrap_or_else(|| caller.user_id.clone());
    doc.create_date = now;
    doc.edit_date = now;
    doc.edit_profile_date = now;
    doc
}

/// The folder an upload goes into (a folder or tab the caller may edit) and the profile
/// changes with its defaults applied.
async fn filing(
    d: &Dossier,
    conn: &mut AnyConnection,
    caller: &Caller,
    folder: &ContainerId,
    input: &UploadInput,
) -> Result<(Checked<Container, Edit>, DocumentChanges)> {
    let f = crate::documents::upload_folder(d, conn, caller, folder).await?;
    let changes = match (&f.default_profile, input.inherit_folder_profile) {
        (Some(defaults), true) => input.changes.clone().with_defaults(defaults),
        _ => input.changes.clone(),
    };
    Ok((f, changes))
}

impl Dossier {
    /// Checks an upload before its content arrives. `file_name` is the file's name when
    /// the surface knows it already.
    pub async fn plan_upload(
        &self,
        caller: &Caller,
        target: UploadTarget,
        input: UploadInput,
        file_name: Option<&str>,
    ) -> Result<UploadPlan> {
        let file_name = file_name.or(Some(PENDING_NAME));
        let now = self.now();
        let mut conn = self.store.read().await?;
        match &target {
            UploadTarget::NewDocument(folder) => {
                let (_, changes) = filing(self, &mut conn, caller, folder, &input).await?;
                let doc = new_document(
                    caller,
                    DocumentId::new(folder.library.clone(), 1, 1),
                    &changes,
                    file_name,
                    None,
                    now,
                )?;
                validate_document(&mut conn, &folder.library, &doc, &changes).await?;
                trustees::validate(&mut conn, &input.trustees).await?;
                self.checked_values(&mut conn, &folder.library, &input.metadata)
                    .await?
                    .require_complete()?;
            }
            UploadTarget::NewVersion(r) | UploadTarget::Replacement(r) => {
                let latest = DocumentRef {
                    version: None,
                    ..r.clone()
                };
                let doc = self.document_for(&mut conn, caller, &latest, Edit).await?;
                if r.version.is_some() {
                    // The version named must exist too.
                    self.document_for(&mut conn, caller, r, Edit).await?;
                }
                let checkout =
                    dossier_store::documents::checkout(&mut conn, &r.library, r.number).await?;
                ensure_editable(&checkout, caller, r)?;
                let doc = next_version(caller, &doc, &input.changes, file_name, None, now);
                validate_document(&mut conn, &r.library, &doc, &input.changes).await?;
                self.checked_values(&mut conn, &r.library, &input.metadata)
                    .await?;
            }
        }
        Ok(UploadPlan {
            caller: caller.clone(),
            target,
            input,
        })
    }

    /// Streams content into the content store; returns once it is durable.
    pub async fn receive_content<S, E>(
        &self,
        file_name: Option<String>,
        stream: S,
    ) -> Result<ReceivedContent>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let blob = self.blobs.put_stream(stream).await.map_err(blob_error)?;
        Ok(ReceivedContent { blob, file_name })
    }

    /// Files received content as the plan says, checking the plan again in the
    /// transaction that writes it.
    pub async fn commit_upload(
        &self,
        plan: UploadPlan,
        content: ReceivedContent,
    ) -> Result<Uploaded> {
        let UploadPlan {
            caller,
            target,
            input,
        } = plan;
        match target {
            UploadTarget::NewDocument(folder) => {
                self.file_new_document(&caller, &folder, input, content)
                    .await
            }
            UploadTarget::NewVersion(r) => self
                .add_version(&caller, &r, input, content)
                .await
                .map(Uploaded::new),
            UploadTarget::Replacement(r) => self
                .replace_content(&caller, &r, input, content.blob)
                .await
                .map(Uploaded::new),
        }
    }

    async fn file_new_document(
        &self,
        caller: &Caller,
        folder: &ContainerId,
        input: UploadInput,
        content: ReceivedContent,
    ) -> Result<Uploaded> {
        let blob = &content.blob;
        let extension = extension_of(&input.changes, content.file_name.as_deref());
        // An email is read before the transaction: the extractor takes its time, and the
        // writer must not wait for it.
        let message = if WsType::for_extension(&extension) == WsType::Email {
            let name = format!("message.{extension}");
            self.read_message(&blob.hash, blob.size, &name).await?
        } else {
            None
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let (f, mut changes) = filing(self, tx.conn(), caller, folder, &input).await?;
        if let Some(m) = &message {
            dossier_store::search::put_extracted(tx.conn(), &blob.hash, &m.extracted, now).await?;
        }
        if let Some(parsed) = message.as_ref().and_then(|m| m.parsed.as_ref()) {
            parsed.fill(&mut changes);
            if let Some(existing) = self
                .duplicate_of(tx.conn(), caller, &f, &changes.email)
                .await?
            {
                self.file_reference(tx.conn(), caller, folder, &existing, now)
                    .await?;
                let view = self.view_for(tx.conn(), caller, existing).await?;
                tx.commit().await?;
                return Ok(Uploaded {
                    view,
                    duplicate: true,
                });
            }
            if changes.email.conversation_id.is_none() {
                changes.email.conversation_id = Self::conversation_of(
                    tx.conn(),
                    &folder.library,
                    parsed,
                    changes.email.message_id.as_deref(),
                )
                .await?;
            }
        }
        let number =
            dossier_store::libraries::next_number(tx.conn(), &folder.library, Numbering::Document)
                .await?;
        let mut doc = new_document(
            caller,
            DocumentId::new(folder.library.clone(), number, 1),
            &changes,
            content.file_name.as_deref(),
            Some(blob),
            now,
        )?;
        let (acl, owns_acl) = crate::acl_keys::key_for_new(
            tx.conn(),
            &folder.library,
            AclKey::Document(number),
            &mut doc.default_security,
            !input.trustees.is_empty(),
            Some(f.acl),
        )
        .await?;
        doc.acl = acl;
        validate_document(tx.conn(), &folder.library, &doc, &changes).await?;
        trustees::validate(tx.conn(), &input.trustees).await?;
        self.reference_blob(tx.conn(), blob, now).await?;
        dossier_store::documents::insert_first(tx.conn(), &doc).await?;
        let values = self
            .checked_values(tx.conn(), &folder.library, &input.metadata)
            .await?;
        values.require_complete()?;
        write_values(tx.conn(), &folder.library, number, &values).await?;
        dossier_store::documents::file(
            tx.conn(),
            &folder.library,
            folder.number,
            number,
            false,
            now,
        )
        .await?;
        dossier_store::catalog::set_trustees(
            tx.conn(),
            &folder.library,
            TrusteeOwner::Document,
            number,
            &input.trustees,
        )
        .await?;
        if input.keep_locked {
            dossier_store::documents::set_checkout(
                tx.conn(),
                &folder.library,
                number,
                &Checkout {
                    user_id: caller.user_id.clone(),
                    comments: String::new(),
                    location: String::new(),
                    path: String::new(),
                    due_date: None,
                    checkout_date: now,
                },
            )
            .await?;
        }
        record(
            tx.conn(),
            &doc.id,
            Activity::NewDocument,
            caller,
            now,
            input.comment,
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentCreated {
                document: doc.id.clone(),
                folder: folder.clone(),
                workspace: ContainerId::new(folder.library.clone(), f.workspace),
            },
        )
        .await?;
        if owns_acl {
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
        tx.commit().await?;
        // The answer is read once committed, on a reader: SQLite has one writer, which
        // every upload queues for, so it does only what must be in the transaction.
        let mut conn = self.store.read().await?;
        self.view_for(&mut conn, caller, doc)
            .await
            .map(Uploaded::new)
    }

    /// A new latest version. A version by the user who has the document checked out
    /// checks it in, unless `keep_locked` is set.
    async fn add_version(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        input: UploadInput,
        content: ReceivedContent,
    ) -> Result<DocumentView> {
        let blob = &content.blob;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        // The latest version is read inside the write transaction, so two concurrent
        // uploads get consecutive version numbers.
        let latest = self
            .document_for(
                tx.conn(),
                caller,
                &DocumentRef {
                    version: None,
                    ..r.clone()
                },
                Edit,
            )
            .await?;
        if r.version.is_some() {
            self.document_for(tx.conn(), caller, r, Edit).await?;
        }
        let checkout = dossier_store::documents::checkout(tx.conn(), &r.library, r.number).await?;
        ensure_editable(&checkout, caller, r)?;
        let doc = next_version(
            caller,
            &latest,
            &input.changes,
            content.file_name.as_deref(),
            Some(blob),
            now,
        );
        validate_document(tx.conn(), &r.library, &doc, &input.changes).await?;
        self.reference_blob(tx.conn(), blob, now).await?;
        dossier_store::documents::insert_version(tx.conn(), &doc).await?;
        let values = self
            .checked_values(tx.conn(), &r.library, &input.metadata)
            .await?;
        write_values(tx.conn(), &r.library, r.number, &values).await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::NewVersion,
            caller,
            now,
            input.comment,
        )
        .await?;
        if checkout.is_some() && !input.keep_locked {
            dossier_store::documents::clear_checkout(tx.conn(), &r.library, r.number).await?;
            record(
                tx.conn(),
                &doc.id,
                Activity::Checkin,
                caller,
                now,
                String::new(),
            )
            .await?;
        }
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
        let v = self.view_for(tx.conn(), caller, doc).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Replaces the content of this version in place.
    async fn replace_content(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        input: UploadInput,
        blob: StoredBlob,
    ) -> Result<DocumentView> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let checkout = dossier_store::documents::checkout(tx.conn(), &r.library, r.number).await?;
        ensure_editable(&checkout, caller, r)?;
        input.changes.apply(&mut doc);
        doc.size = blob.size;
        doc.content_hash = blob.hash.clone();
        doc.last_user = caller.user_id.clone();
        doc.edit_date = now;
        validate_document(tx.conn(), &r.library, &doc, &input.changes).await?;
        self.reference_blob(tx.conn(), &blob, now).await?;
        dossier_store::documents::update(tx.conn(), &doc).await?;
        let values = self
            .checked_values(tx.conn(), &r.library, &input.metadata)
            .await?;
        write_values(tx.conn(), &r.library, r.number, &values).await?;
        record(
            tx.conn(),
            &doc.id,
            Activity::ReplaceContent,
            caller,
            now,
            input.comment,
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
        let v = self.view_for(tx.conn(), caller, doc.into_inner()).await?;
        tx.commit().await?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::split_file_name;

    #[test]
    fn a_file_name_splits_into_name_and_extension() {
        assert_eq!(
            split_file_name("C:\\Users\\a\\Letter.DOCX"),
            ("Letter".into(), "docx".into())
        );
        assert_eq!(split_file_name("notes"), ("notes".into(), String::new()));
        assert_eq!(
            split_file_name(".profile"),
            (".profile".into(), String::new())
        );
        assert_eq!(split_file_name("a.b c"), ("a.b c".into(), String::new()));
    }
}
