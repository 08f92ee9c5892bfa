//! Keeping each row's governing ACL key right (`acl` column, `core::access::AclKey`): the
//! key a new object gets, re-resolving a subtree after a move or a security change, and the
//! event that tells readable-set caches. `access` reads the keys; this module writes them.

use dossier_core::{DomainError, LibraryId};
use dossier_store::AnyConnection;

use crate::events::{Change, emit};
use crate::{Caller, Result};

/// Emits the event that invalidates readable sets: an object's security changed, or an
/// object with its own security appeared (a change that `affects_access`).
pub(crate) async fn security_changed(
    conn: &mut AnyConnection,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
    change: Change,
) -> Result<()> {
    debug_assert!(
        change.affects_access(),
        "{change:?} changes no readable set"
    );
    emit(conn, caller, now, change).await
}

/// The ACL key a new object gets, fixing up its default security: an object with its own
/// default security governs itself; one that inherits but comes with trustees governs
/// itself too, taking the default security its parent resolves to (so its trustees add to
/// what it would have inherited); any other inheriting object takes its parent's key.
/// Returns the key and whether the object owns it.
pub(crate) async fn key_for_new(
    conn: &mut AnyConnection,
    library: &LibraryId,
    own: dossier_core::access::AclKey,
    security: &mut dossier_core::DefaultSecurity,
    has_trustees: bool,
    parent_acl: Option<i64>,
) -> Result<(i64, bool)> {
    use dossier_core::DefaultSecurity;
    match (*security, parent_acl) {
        (DefaultSecurity::Inherit, Some(parent)) if has_trustees => {
            *security = dossier_store::acl::governing(conn, library, parent)
                .await?
                .0;
            Ok((own.encode(), true))
        }
        (DefaultSecurity::Inherit, Some(parent)) => Ok((parent, false)),
        (DefaultSecurity::Inherit, None) => Err(DomainError::invalid(
            "default_security",
            "an object without a parent cannot inherit its security",
        )),
        _ => Ok((own.encode(), true)),
    }
}

/// Re-resolves the ACL key of a container whose security or parent changed, and of every
/// inheriting container and document below it.
pub(crate) async fn resecure_container(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<()> {
    let id = dossier_core::ContainerId::new(library.clone(), number);
    let c = dossier_store::containers::get(conn, &id)
        .await?
        .ok_or_else(|| DomainError::not_found(format!("container {id}")))?;
    let key = if c.default_security == dossier_core::DefaultSecurity::Inherit {
        let parent = c
            .parent
            .ok_or_else(|| DomainError::internal(format!("{id} inherits but has no parent")))?;
        let pid = dossier_core::ContainerId::new(library.clone(), parent);
        dossier_store::containers::get(conn, &pid)
            .await?
            .ok_or_else(|| DomainError::internal(format!("parent of {id} is missing")))?
            .acl
    } else {
        dossier_core::access::AclKey::Container(number).encode()
    };
    let mut pending = vec![number];
    while let Some(n) = pending.pop() {
        pending.extend(dossier_store::acl::set_container(conn, library, n, key).await?);
    }
    Ok(())
}

/// Re-resolves a document's ACL key after its security or home folder changed.
pub(crate) async fn resecure_document(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    security: dossier_core::DefaultSecurity,
) -> Result<()> {
    let key = if security == dossier_core::DefaultSecurity::Inherit {
        dossier_store::acl::home_folder_key(conn, library, number)
            .await?
            .ok_or_else(|| {
                DomainError::internal(format!("document {number} of {library} has no home folder"))
            })?
    } else {
        dossier_core::access::AclKey::Document(number).encode()
    };
    dossier_store::acl::set_document(conn, library, number, key).await
}

/// Gives every version of `doc` its default security, re-resolves its ACL key and tells
/// the readable-set caches.
pub(crate) async fn set_document_security(
    conn: &mut AnyConnection,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
    doc: &dossier_core::model::Document,
) -> Result<()> {
    let library = &doc.id.library;
    dossier_store::acl::set_document_default(conn, library, doc.id.number, doc.default_security)
        .await?;
    resecure_document(conn, library, doc.id.number, doc.default_security).await?;
    security_changed(
        conn,
        caller,
        now,
        Change::DocumentSecurityChanged {
            document: doc.id.clone(),
        },
    )
    .await
}
