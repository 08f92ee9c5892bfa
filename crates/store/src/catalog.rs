//! Per-library configuration: lookup tables for custom fields, classes, subclasses and
//! document types; and trustees recorded on objects.

use std::collections::BTreeSet;

use dossier_core::model::{Class, DocType, Lookup, Subclass, Trustee, TrusteeOwner};
use dossier_core::{LibraryId, model::TrusteeType};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Page, Sql, get_bool, like_pattern};
use crate::{DbResult, Result};

fn lookup(row: &AnyRow) -> Result<Lookup> {
    let field: i64 = row.try_get("field").db()?;
    let parent: String = row.try_get("parent_alias").db()?;
    Ok(Lookup {
        field: usize::try_from(field).unwrap_or_default(),
        parent_alias: (!parent.is_empty()).then_some(parent),
        alias: row.try_get("alias").db()?,
        description: row.try_get("description").db()?,
        enabled: get_bool(row, "enabled")?,
    })
}

pub async fn get_lookup(
    conn: &mut AnyConnection,
    library: &LibraryId,
    field: usize,
    parent: Option<&str>,
    alias: &str,
) -> Result<Option<Lookup>> {
    Sql::new(
        "SELECT field, parent_alias, alias, description, enabled FROM lookups WHERE library = ",
    )
    .bind(library.as_str())
    .push(" AND field = ")
    .bind(field as i64)
    .push(" AND parent_alias = ")
    .bind(parent.unwrap_or("").to_uppercase())
    .push(" AND alias = ")
    .bind(alias.to_uppercase())
    .fetch_optional(conn)
    .await?
    .map(|r| lookup(&r))
    .transpose()
}

pub async fn upsert_lookup(
    conn: &mut AnyConnection,
    library: &LibraryId,
    l: &Lookup,
) -> Result<()> {
    Sql::new("INSERT INTO lookups (library, field, parent_alias, alias, description, enabled) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(l.field as i64)
        .push(", ")
        .bind(l.parent_alias.clone().unwrap_or_default())
        .push(", ")
        .bind(l.alias.as_str())
        .push(", ")
        .bind(l.description.as_str())
        .push(", ")
        .bind(l.enabled)
        .push(") ON CONFLICT (library, field, parent_alias, alias) DO UPDATE SET description = excluded.description, enabled = excluded.enabled")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_lookup(
    conn: &mut AnyConnection,
    library: &LibraryId,
    field: usize,
    parent: Option<&str>,
    alias: &str,
) -> Result<bool> {
    Ok(Sql::new("DELETE FROM lookups WHERE library = ")
        .bind(library.as_str())
        .push(" AND field = ")
        .bind(field as i64)
        .push(" AND parent_alias = ")
        .bind(parent.unwrap_or("").to_uppercase())
        .push(" AND alias = ")
        .bind(alias.to_uppercase())
        .execute(conn)
        .await?
        > 0)
}

/// Lookup entries of one field, optionally under one parent and matching a pattern on alias
/// or description.
pub async fn search_lookups(
    conn: &mut AnyConnection,
    library: &LibraryId,
    field: usize,
    parent: Option<&str>,
    query: Option<&str>,
    page: Page,
) -> Result<Vec<Lookup>> {
    let mut sql = Sql::new(
        "SELECT field, parent_alias, alias, description, enabled FROM lookups WHERE library = ",
    );
    sql.bind(library.as_str())
        .push(" AND field = ")
        .bind(field as i64);
    if let Some(p) = parent {
        sql.push(" AND parent_alias = ").bind(p.to_uppercase());
    }
    if let Some(q) = query {
        let pat = like_pattern(&format!("*{q}*"));
        sql.push(" AND (lower(alias) LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR lower(description) LIKE ")
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    sql.push(" ORDER BY alias");
    sql.push_page(&page);
    sql.fetch_all(conn).await?.iter().map(lookup).collect()
}

pub async fn insert_class(conn: &mut AnyConnection, library: &LibraryId, c: &Class) -> Result<()> {
    Sql::new("INSERT INTO classes (library, alias, description) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(c.alias.as_str())
        .push(", ")
        .bind(c.description.as_str())
        .push(") ON CONFLICT (library, alias) DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn classes(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<Class>> {
    let rows = Sql::new("SELECT alias, description FROM classes WHERE library = ")
        .bind(library.as_str())
        .push(" ORDER BY alias")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Class {
                alias: r.try_get("alias").db()?,
                description: r.try_get("description").db()?,
            })
        })
        .collect()
}

pub async fn insert_subclass(
    conn: &mut AnyConnection,
    library: &LibraryId,
    s: &Subclass,
) -> Result<()> {
    Sql::new("INSERT INTO subclasses (library, class, alias, description) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(s.class.as_str())
        .push(", ")
        .bind(s.alias.as_str())
        .push(", ")
        .bind(s.description.as_str())
        .push(") ON CONFLICT (library, class, alias) DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn subclasses(
    conn: &mut AnyConnection,
    library: &LibraryId,
    class: &str,
) -> Result<Vec<Subclass>> {
    let rows = Sql::new("SELECT class, alias, description FROM subclasses WHERE library = ")
        .bind(library.as_str())
        .push(" AND class = ")
        .bind(class.to_uppercase())
        .push(" ORDER BY alias")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Subclass {
                class: r.try_get("class").db()?,
                alias: r.try_get("alias").db()?,
                description: r.try_get("description").db()?,
            })
        })
        .collect()
}

pub async fn insert_type(conn: &mut AnyConnection, library: &LibraryId, t: &DocType) -> Result<()> {
    Sql::new("INSERT INTO doc_types (library, alias, description, app_extension) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(t.alias.as_str())
        .push(", ")
        .bind(t.description.as_str())
        .push(", ")
        .bind(t.app_extension.as_str())
        .push(") ON CONFLICT (library, alias) DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn types(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<DocType>> {
    let rows = Sql::new("SELECT alias, description, app_extension FROM doc_types WHERE library = ")
        .bind(library.as_str())
        .push(" ORDER BY alias")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DocType {
                alias: r.try_get("alias").db()?,
                description: r.try_get("description").db()?,
                app_extension: r.try_get("app_extension").db()?,
            })
        })
        .collect()
}

// ---- trustees ----

pub async fn set_trustees(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: TrusteeOwner,
    number: i64,
    trustees: &[Trustee],
) -> Result<()> {
    for t in trustees {
        Sql::new("INSERT INTO trustees (library, object_kind, object_number, trustee_type, trustee_id, access) VALUES (")
            .bind(library.as_str())
            .push(", ")
            .bind(owner.as_str())
            .push(", ")
            .bind(number)
            .push(", ")
            .bind(t.trustee_type.as_str())
            .push(", ")
            .bind(t.id.as_str())
            .push(", ")
            .bind(t.access.number())
            .push(") ON CONFLICT (library, object_kind, object_number, trustee_type, trustee_id) DO UPDATE SET access = excluded.access")
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn trustees(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: TrusteeOwner,
    number: i64,
) -> Result<Vec<Trustee>> {
    let rows = Sql::new("SELECT trustee_type, trustee_id, access FROM trustees WHERE library = ")
        .bind(library.as_str())
        .push(" AND object_kind = ")
        .bind(owner.as_str())
        .push(" AND object_number = ")
        .bind(number)
        .push(" ORDER BY trustee_type, trustee_id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("trustee_type").db()?;
            let access: i64 = r.try_get("access").db()?;
            Ok(Trustee {
                trustee_type: if kind == "group" {
                    TrusteeType::Group
                } else {
                    TrusteeType::User
                },
                id: r.try_get("trustee_id").db()?,
                access: dossier_core::AccessLevel::parse("access", &access.to_string())?,
            })
        })
        .collect()
}

pub async fn remove_trustees(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: TrusteeOwner,
    number: i64,
) -> Result<()> {
    Sql::new("DELETE FROM trustees WHERE library = ")
        .bind(library.as_str())
        .push(" AND object_kind = ")
        .bind(owner.as_str())
        .push(" AND object_number = ")
        .bind(number)
        .execute(conn)
        .await?;
    Ok(())
}

/// The entries of one lookup field with these aliases, under any parent, in one query
/// (facet answers describe their top values with them).
pub async fn lookups_with_aliases(
    conn: &mut AnyConnection,
    library: &LibraryId,
    field: usize,
    aliases: &[String],
) -> Result<Vec<Lookup>> {
    if aliases.is_empty() {
        return Ok(Vec::new());
    }
    let rows = Sql::new(
        "SELECT field, parent_alias, alias, description, enabled FROM lookups WHERE library = ",
    )
    .bind(library.as_str())
    .push(" AND field = ")
    .bind(field as i64)
    .push(" AND alias IN (")
    .bind_list(aliases.iter().map(|a| a.to_uppercase()))
    .push(") ORDER BY parent_alias")
    .fetch_all(conn)
    .await?;
    rows.iter().map(lookup).collect()
}

/// (parent, alias) pairs per lookup query: well under the bound-parameter limits of
/// SQLite and PostgreSQL.
const PAIRS_PER_QUERY: usize = 400;

/// The lookup entries of one field named by these (parent alias, alias) pairs (parent `""`
/// for a field without one), in batches rather than one query per document (the indexer
/// describes a round's documents with them). Each batch asks for its parents and aliases as
/// two lists, which the primary key answers by lookups; entries of a parent and an alias
/// from different pairs can come back too and are left for the caller to ignore.
pub async fn lookups_named(
    conn: &mut AnyConnection,
    library: &LibraryId,
    field: usize,
    pairs: &[(String, String)],
) -> Result<Vec<Lookup>> {
    let mut out = Vec::new();
    for chunk in pairs.chunks(PAIRS_PER_QUERY) {
        let parents: BTreeSet<String> = chunk.iter().map(|(p, _)| p.to_uppercase()).collect();
        let aliases: BTreeSet<String> = chunk.iter().map(|(_, a)| a.to_uppercase()).collect();
        let rows = Sql::new(
            "SELECT field, parent_alias, alias, description, enabled FROM lookups WHERE library = ",
        )
        .bind(library.as_str())
        .push(" AND field = ")
        .bind(field as i64)
        .push(" AND parent_alias IN (")
        .bind_list(parents)
        .push(") AND alias IN (")
        .bind_list(aliases)
        .push(")")
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            out.push(lookup(row)?);
        }
    }
    Ok(out)
}
