//! The SQL of access control: keeping each row's governing ACL key (`acl` column) up to
//! date, and reading a library's ACL objects for the readable-set computation. The rules
//! that decide access live in `dossier_core::access`; the service decides when to call these.

use dossier_core::access::AclKey;
use dossier_core::model::{Trustee, TrusteeOwner, TrusteeType};
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
        let key = match TrusteeOwner::parse(&kind)? {
            TrusteeOwner::Container => AclKey::Container(number),
            TrusteeOwner::Document => AclKey::Document(number),
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
            .bind(k.object_kind().as_str())
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
/// whatever the ACL says) and what ethical walls close to it (these win over both).
#[derive(Clone, Debug)]
pub struct Visible {
    pub library: String,
    pub keys: Option<std::sync::Arc<Vec<i64>>>,
    pub user: String,
    pub denied: std::sync::Arc<Denied>,
}

/// What walls shut a caller out of, flattened so a query needs three conditions however
/// many walls there are: objects with these clients, or client and matter pairs, in their
/// own profile, and everything in these workspaces (walled workspaces and the workspaces
/// whose own client or matter a wall names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Denied {
    pub clients: Vec<String>,
    pub matters: Vec<(String, String)>,
    pub workspaces: Vec<i64>,
}

impl Denied {
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty() && self.matters.is_empty() && self.workspaces.is_empty()
    }
}

/// Joins a client and a matter alias into one key; a control character, so no alias holds it.
const MATTER_SEPARATOR: &str = "\u{1f}";

/// Which part of a readable set a condition selects (see `Visible::push_part`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Everything readable.
    Both,
    /// Rows whose ACL the caller may read.
    Granted,
    /// The caller's own rows whose ACL it may not read.
    OwnedOnly,
}

/// Which table a visibility filter is applied to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    Documents,
    Containers,
}

fn int_list(values: &[i64]) -> String {
    values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Visible {
    /// Appends the readable-set conditions for rows of `table` aliased `alias`. Keys and
    /// workspace numbers are integers this server computed, written inline: a readable set
    /// can hold more keys than a statement may have parameters.
    pub fn push_filter(&self, sql: &mut Sql, table: Listed, alias: &str) {
        self.push_part(sql, table, alias, Part::Both);
    }

    /// As `push_filter`, for one part of the readable set: counting the two halves apart
    /// lets each use its own index (`acl`, `author`), where their OR scans every row.
    pub fn push_part(&self, sql: &mut Sql, table: Listed, alias: &str, part: Part) {
        let p = format!("{alias}.");
        let owner = match table {
            Listed::Documents => "author",
            Listed::Containers => "owner",
        };
        if let Some(keys) = &self.keys {
            let list = int_list(keys);
            match part {
                Part::Both => {
                    sql.push(" AND (");
                    if !keys.is_empty() {
                        sql.push(&format!("{p}acl IN ({list}) OR "));
                    }
                    sql.push(&format!("{p}{owner} = "))
                        .bind(self.user.as_str())
                        .push(")");
                }
                Part::Granted if keys.is_empty() => {
                    sql.push(" AND 1 = 0");
                }
                Part::Granted => {
                    sql.push(&format!(" AND {p}acl IN ({list})"));
                }
                Part::OwnedOnly => {
                    sql.push(&format!(" AND {p}{owner} = "))
                        .bind(self.user.as_str());
                    if !keys.is_empty() {
                        sql.push(&format!(" AND {p}acl NOT IN ({list})"));
                    }
                }
            }
        }
        let d = &self.denied;
        if !d.clients.is_empty() {
            sql.push(&format!(" AND COALESCE({p}c1, '') NOT IN ("))
                .bind_list(d.clients.iter().map(String::as_str))
                .push(")");
        }
        if !d.matters.is_empty() {
            // One scalar key per pair: a row-value IN list is scanned linearly for every row,
            // a scalar one is looked up in a temporary index.
            sql.push(&format!(" AND (COALESCE({p}c1, '') || "))
                .bind(MATTER_SEPARATOR)
                .push(&format!(" || COALESCE({p}c2, '')) NOT IN ("))
                .bind_list(
                    d.matters
                        .iter()
                        .map(|(c, m)| format!("{c}{MATTER_SEPARATOR}{m}")),
                )
                .push(")");
        }
        if !d.workspaces.is_empty() {
            let list = int_list(&d.workspaces);
            match table {
                Listed::Containers => {
                    sql.push(&format!(" AND {p}workspace NOT IN ({list})"));
                }
                Listed::Documents => {
                    sql.push(&format!(" AND {p}workspace NOT IN ({list})"));
                }
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

/// The workspaces of a library whose own client is one of `clients`, or whose client and
/// matter are one of `matters` (for flattening walls).
pub async fn workspaces_matching(
    conn: &mut AnyConnection,
    library: &LibraryId,
    clients: &[String],
    matters: &[(String, String)],
) -> Result<Vec<i64>> {
    let mut names: Vec<&str> = clients.iter().map(String::as_str).collect();
    names.extend(matters.iter().map(|(c, _)| c.as_str()));
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let rows =
        Sql::new("SELECT number, c1, c2 FROM containers WHERE kind = 'workspace' AND library = ")
            .bind(library.as_str())
            .push(" AND c1 IN (")
            .bind_list(names)
            .push(")")
            .fetch_all(conn)
            .await?;
    let mut out = Vec::new();
    for r in &rows {
        let c1: Option<String> = r.try_get("c1").db()?;
        let c2: Option<String> = r.try_get("c2").db()?;
        let c1 = c1.unwrap_or_default();
        let hit = clients.contains(&c1)
            || c2.is_some_and(|m| matters.iter().any(|(c, mm)| *c == c1 && *mm == m));
        if hit {
            out.push(r.try_get("number").db()?);
        }
    }
    Ok(out)
}
