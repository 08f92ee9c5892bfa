//! The SQL of access control: keeping each row's governing ACL key (`acl` column) up to
//! date, and reading a library's ACL objects for the readable-set computation. The rules
//! that decide access live in `dossier_core::access`; the service decides when to call these.

use dossier_core::access::AclKey;
use dossier_core::model::{Trustee, TrusteeType};
use dossier_core::{AccessLevel, DefaultSecurity, DomainError, LibraryId};
use sqlx::{AnyConnection, Row};

use crate::sql::Sql;
use crate::{DbResult, Result};

/// One object that governs its own security (a non-inheriting container or document).
#[derive(Clone, Debug)]
pub struct AclObject {
    pub key: i64,
    pub default_security: DefaultSecurity,
}

/// Every ACL object of a library with the trustees of each, in key order.
pub async fn objects(
    conn: &mut AnyConnection,
    library: &LibraryId,
) -> Result<Vec<(AclObject, Vec<Trustee>)>> {
    let mut out: Vec<(AclObject, Vec<Trustee>)> = Vec::new();
    let rows = Sql::new(
        "SELECT acl, default_security FROM containers WHERE default_security <> 'inherit' AND library = ",
    )
    .bind(library.as_str())
    .push(" UNION ALL SELECT acl, default_security FROM documents WHERE default_security <> 'inherit' AND is_latest = 1 AND library = ")
    .bind(library.as_str())
    .fetch_all(conn)
    .await?;
    for r in &rows {
        let security: String = r.try_get("default_security").db()?;
        out.push((
            AclObject {
                key: r.try_get("acl").db()?,
                default_security: DefaultSecurity::parse("default_security", &security)?,
            },
            Vec::new(),
        ));
    }
    out.sort_by_key(|(o, _)| o.key);
    let trustees = Sql::new(
        "SELECT object_kind, object_number, trustee_type, trustee_id, access FROM trustees WHERE library = ",
    )
    .bind(library.as_str())
    .fetch_all(conn)
    .await?;
    for r in &trustees {
        let kind: String = r.try_get("object_kind").db()?;
        let number: i64 = r.try_get("object_number").db()?;
        let key = match kind.as_str() {
            "container" => AclKey::Container(number),
            _ => AclKey::Document(number),
        }
        .encode();
        if let Ok(i) = out.binary_search_by_key(&key, |(o, _)| o.key) {
            out[i].1.push(trustee(r)?);
        }
    }
    Ok(out)
}

fn trustee(r: &sqlx::any::AnyRow) -> Result<Trustee> {
    let kind: String = r.try_get("trustee_type").db()?;
    let access: i64 = r.try_get("access").db()?;
    Ok(Trustee {
        trustee_type: if kind == "group" {
            TrusteeType::Group
        } else {
            TrusteeType::User
        },
        id: r.try_get("trustee_id").db()?,
        access: AccessLevel::parse("access", &access.to_string())?,
    })
}

/// The default security and trustees of the object behind `key`.
pub async fn governing(
    conn: &mut AnyConnection,
    library: &LibraryId,
    key: i64,
) -> Result<(DefaultSecurity, Vec<Trustee>)> {
    let k = AclKey::decode(key);
    let table = match k {
        AclKey::Container(_) => "SELECT default_security FROM containers WHERE library = ",
        AclKey::Document(_) => {
            "SELECT default_security FROM documents WHERE is_latest = 1 AND library = "
        }
    };
    let row = Sql::new(table)
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(k.number())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| {
            DomainError::internal(format!("ACL object {key:?} of {library} is missing"))
        })?;
    let security: String = row.try_get("default_security").db()?;
    let trustees =
        Sql::new("SELECT trustee_type, trustee_id, access FROM trustees WHERE library = ")
            .bind(library.as_str())
            .push(" AND object_kind = ")
            .bind(k.object_kind())
            .push(" AND object_number = ")
            .bind(k.number())
            .fetch_all(conn)
            .await?
            .iter()
            .map(trustee)
            .collect::<Result<Vec<_>>>()?;
    Ok((
        DefaultSecurity::parse("default_security", &security)?,
        trustees,
    ))
}

/// Points a container at `key`; returns the numbers of its inheriting child containers.
pub async fn set_container(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    key: i64,
) -> Result<Vec<i64>> {
    Sql::new("UPDATE containers SET acl = ")
        .bind(key)
        .push(" WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .execute(conn)
        .await?;
    // Documents filed here (home filings) that inherit follow the folder.
    Sql::new("UPDATE documents SET acl = ")
        .bind(key)
        .push(" WHERE library = ")
        .bind(library.as_str())
        .push(" AND default_security = 'inherit' AND number IN (SELECT document FROM filings WHERE is_reference = 0 AND library = ")
        .bind(library.as_str())
        .push(" AND folder = ")
        .bind(number)
        .push(")")
        .execute(conn)
        .await?;
    Sql::new("SELECT number FROM containers WHERE default_security = 'inherit' AND library = ")
        .bind(library.as_str())
        .push(" AND parent = ")
        .bind(number)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| r.try_get("number").db())
        .collect()
}

/// Points every version of a document at `key`.
pub async fn set_document(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    key: i64,
) -> Result<()> {
    Sql::new("UPDATE documents SET acl = ")
        .bind(key)
        .push(" WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .execute(conn)
        .await?;
    Ok(())
}

/// The ACL key of a document's home folder.
pub async fn home_folder_key(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
) -> Result<Option<i64>> {
    Sql::new("SELECT c.acl FROM filings f JOIN containers c ON c.library = f.library AND c.number = f.folder WHERE f.is_reference = 0 AND f.library = ")
        .bind(library.as_str())
        .push(" AND f.document = ")
        .bind(document)
        .fetch_optional(conn)
        .await?
        .map(|r| r.try_get::<i64, _>("acl"))
        .transpose()
        .db()
}

/// Resolves rows left at -1 (inheriting objects from before the security migration):
/// containers from their parents, level by level, then documents from their home folders.
pub async fn resolve_pending(conn: &mut AnyConnection) -> Result<u64> {
    let mut total = 0;
    loop {
        let n = Sql::new("UPDATE containers SET acl = (SELECT p.acl FROM containers p WHERE p.library = containers.library AND p.number = containers.parent) WHERE acl = -1 AND EXISTS (SELECT 1 FROM containers p WHERE p.library = containers.library AND p.number = containers.parent AND p.acl <> -1)")
            .execute(conn)
            .await?;
        total += n;
        if n == 0 {
            break;
        }
    }
    total += Sql::new("UPDATE documents SET acl = (SELECT c.acl FROM filings f JOIN containers c ON c.library = f.library AND c.number = f.folder WHERE f.library = documents.library AND f.document = documents.number AND f.is_reference = 0) WHERE acl = -1 AND EXISTS (SELECT 1 FROM filings f WHERE f.library = documents.library AND f.document = documents.number AND f.is_reference = 0)")
        .execute(conn)
        .await?;
    Ok(total)
}

/// A caller's readable set for list queries: the ACL keys it may read (`None`: every
/// key, for administrators), its login id (owners and authors see their own objects
/// whatever the ACL says) and the scopes ethical walls close to it (these win over both).
#[derive(Clone, Debug)]
pub struct Visible {
    pub keys: Option<std::sync::Arc<Vec<i64>>>,
    pub user: String,
    pub denied: std::sync::Arc<Vec<dossier_core::walls::WallScope>>,
}

/// Which table a visibility filter is applied to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    Documents,
    Containers,
}

impl Visible {
    /// Appends the readable-set conditions for rows of `table` aliased `alias` (or
    /// unaliased when empty). The keys are integers this server computed, written inline:
    /// a readable set can hold more keys than a statement may have parameters.
    pub fn push_filter(&self, sql: &mut Sql, table: Listed, alias: &str) {
        let p = if alias.is_empty() {
            String::new()
        } else {
            format!("{alias}.")
        };
        let owner = match table {
            Listed::Documents => "author",
            Listed::Containers => "owner",
        };
        if let Some(keys) = &self.keys {
            sql.push(" AND (");
            if !keys.is_empty() {
                let list = keys
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                sql.push(&format!("{p}acl IN ({list}) OR "));
            }
            sql.push(&format!("{p}{owner} = "))
                .bind(self.user.as_str())
                .push(")");
        }
        for scope in self.denied.iter() {
            use dossier_core::walls::WallScope;
            // Client and matter walls cover a matching object and everything in (or filed
            // in) a matching workspace: `covered` writes the second half, with `w` the
            // workspace row.
            let in_workspaces = match table {
                Listed::Containers => format!(
                    "{p}workspace IN (SELECT w.number FROM containers w WHERE w.library = {p}library AND w.kind = 'workspace' AND "
                ),
                Listed::Documents => format!(
                    "{p}number IN (SELECT wf.document FROM filings wf JOIN containers wc ON wc.library = wf.library AND wc.number = wf.folder JOIN containers w ON w.library = wc.library AND w.number = wc.workspace WHERE wf.is_reference = 0 AND wf.library = {p}library AND "
                ),
            };
            match scope {
                WallScope::Client(c) => {
                    sql.push(&format!(" AND NOT (COALESCE({p}c1, '') = "))
                        .bind(c.as_str())
                        .push(" OR ")
                        .push(&in_workspaces)
                        .push("COALESCE(w.c1, '') = ")
                        .bind(c.as_str())
                        .push("))");
                }
                WallScope::Matter(c, m) => {
                    sql.push(&format!(" AND NOT ((COALESCE({p}c1, '') = "))
                        .bind(c.as_str())
                        .push(&format!(" AND COALESCE({p}c2, '') = "))
                        .bind(m.as_str())
                        .push(") OR ")
                        .push(&in_workspaces)
                        .push("COALESCE(w.c1, '') = ")
                        .bind(c.as_str())
                        .push(" AND COALESCE(w.c2, '') = ")
                        .bind(m.as_str())
                        .push("))");
                }
                WallScope::Workspace(w) => match table {
                    Listed::Containers => {
                        sql.push(&format!(" AND {p}workspace <> ")).bind(*w);
                    }
                    Listed::Documents => {
                        sql.push(&format!(" AND {p}number NOT IN (SELECT wf.document FROM filings wf JOIN containers wc ON wc.library = wf.library AND wc.number = wf.folder WHERE wf.is_reference = 0 AND wf.library = {p}library AND wc.workspace = "))
                            .bind(*w)
                            .push(")");
                    }
                },
            }
        }
    }
}

/// Sets the default security of every version of a document.
pub async fn set_document_default(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    security: DefaultSecurity,
) -> Result<()> {
    Sql::new("UPDATE documents SET default_security = ")
        .bind(security.as_str())
        .push(" WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .execute(conn)
        .await?;
    Ok(())
}
