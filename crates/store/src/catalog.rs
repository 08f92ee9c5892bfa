//! Per-library configuration: lookup tables for custom fields, classes, subclasses,
//! document types and custom field definitions; and trustees recorded on objects.

use std::collections::BTreeSet;

use dossier_core::fields::CustomFieldDefinition;
use dossier_core::model::{Class, ClassSettings, DocType, Lookup, Subclass, Trustee, TrusteeOwner};
use dossier_core::{DefaultSecurity, LibraryId, model::TrusteeType};
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

/// Every entry of every lookup table of a library, enabled or not (a sandbox's copy).
pub async fn all_lookups(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<Lookup>> {
    Sql::new(
        "SELECT field, parent_alias, alias, description, enabled FROM lookups WHERE library = ",
    )
    .bind(library.as_str())
    .push(" ORDER BY field, parent_alias, alias")
    .fetch_all(conn)
    .await?
    .iter()
    .map(lookup)
    .collect()
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

const CLASS_COLUMNS: &str = "alias, description, hipaa, indexable, retain_days, required_fields, shadow, echo, default_security";

/// A class's or subclass's settings from its row.
fn settings(r: &AnyRow) -> Result<ClassSettings> {
    let required: String = r.try_get("required_fields").db()?;
    Ok(ClassSettings {
        hipaa: get_bool(r, "hipaa")?,
        indexable: get_bool(r, "indexable")?,
        retain_days: r.try_get("retain_days").db()?,
        // Written by `required_list` below; a number that does not read is left out.
        required_fields: required
            .split(',')
            .filter_map(|n| n.trim().parse::<usize>().ok())
            .collect(),
        shadow: get_bool(r, "shadow")?,
        echo: get_bool(r, "echo")?,
        default_security: {
            let d: String = r.try_get("default_security").db()?;
            // Written from `DefaultSecurity::as_str`; a value that no longer parses reads as
            // the column's default.
            DefaultSecurity::parse("default_security", &d).unwrap_or(DefaultSecurity::Public)
        },
    })
}

fn required_list(s: &ClassSettings) -> String {
    s.required_fields
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn class(r: &AnyRow) -> Result<Class> {
    Ok(Class {
        alias: r.try_get("alias").db()?,
        description: r.try_get("description").db()?,
        settings: settings(r)?,
        subclass_required: get_bool(r, "subclass_required")?,
    })
}

fn subclass(r: &AnyRow) -> Result<Subclass> {
    Ok(Subclass {
        class: r.try_get("class").db()?,
        alias: r.try_get("alias").db()?,
        description: r.try_get("description").db()?,
        settings: settings(r)?,
    })
}

/// Binds a class's or subclass's settings as `, $a, …` after its description.
fn bind_settings<'a>(sql: &'a mut Sql, s: &ClassSettings) -> &'a mut Sql {
    sql.push(", ")
        .bind(s.hipaa)
        .push(", ")
        .bind(s.indexable)
        .push(", ")
        .bind(s.retain_days)
        .push(", ")
        .bind(required_list(s))
        .push(", ")
        .bind(s.shadow)
        .push(", ")
        .bind(s.echo)
        .push(", ")
        .bind(s.default_security.as_str())
}

/// Inserts a class unless the library has one with its alias; whether it did.
pub async fn insert_class(
    conn: &mut AnyConnection,
    library: &LibraryId,
    c: &Class,
) -> Result<bool> {
    let mut sql = Sql::new(&format!(
        "INSERT INTO classes (library, {CLASS_COLUMNS}, subclass_required) VALUES ("
    ));
    sql.bind(library.as_str())
        .push(", ")
        .bind(c.alias.as_str())
        .push(", ")
        .bind(c.description.as_str());
    bind_settings(&mut sql, &c.settings)
        .push(", ")
        .bind(c.subclass_required)
        .push(") ON CONFLICT (library, alias) DO NOTHING");
    Ok(sql.execute(conn).await? > 0)
}

/// Changes a class's description and settings; whether it exists.
pub async fn update_class(
    conn: &mut AnyConnection,
    library: &LibraryId,
    c: &Class,
) -> Result<bool> {
    let s = &c.settings;
    Ok(Sql::new("UPDATE classes SET description = ")
        .bind(c.description.as_str())
        .push(", hipaa = ")
        .bind(s.hipaa)
        .push(", indexable = ")
        .bind(s.indexable)
        .push(", retain_days = ")
        .bind(s.retain_days)
        .push(", required_fields = ")
        .bind(required_list(s))
        .push(", shadow = ")
        .bind(s.shadow)
        .push(", echo = ")
        .bind(s.echo)
        .push(", default_security = ")
        .bind(s.default_security.as_str())
        .push(", subclass_required = ")
        .bind(c.subclass_required)
        .push(" WHERE library = ")
        .bind(library.as_str())
        .push(" AND alias = ")
        .bind(c.alias.as_str())
        .execute(conn)
        .await?
        > 0)
}

/// Deletes a class and its subclasses; whether it existed.
pub async fn delete_class(
    conn: &mut AnyConnection,
    library: &LibraryId,
    alias: &str,
) -> Result<bool> {
    Sql::new("DELETE FROM subclasses WHERE library = ")
        .bind(library.as_str())
        .push(" AND class = ")
        .bind(alias)
        .execute(&mut *conn)
        .await?;
    Ok(Sql::new("DELETE FROM classes WHERE library = ")
        .bind(library.as_str())
        .push(" AND alias = ")
        .bind(alias)
        .execute(conn)
        .await?
        > 0)
}

pub async fn classes(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<Class>> {
    let rows = Sql::new(&format!(
        "SELECT {CLASS_COLUMNS}, subclass_required FROM classes WHERE library = "
    ))
    .bind(library.as_str())
    .push(" ORDER BY alias")
    .fetch_all(conn)
    .await?;
    rows.iter().map(class).collect()
}

pub async fn get_class(
    conn: &mut AnyConnection,
    library: &LibraryId,
    alias: &str,
) -> Result<Option<Class>> {
    Sql::new(&format!(
        "SELECT {CLASS_COLUMNS}, subclass_required FROM classes WHERE library = "
    ))
    .bind(library.as_str())
    .push(" AND alias = ")
    .bind(alias.to_uppercase())
    .fetch_optional(conn)
    .await?
    .map(|r| class(&r))
    .transpose()
}

/// Inserts a subclass unless its class has one with its alias; whether it did.
pub async fn insert_subclass(
    conn: &mut AnyConnection,
    library: &LibraryId,
    s: &Subclass,
) -> Result<bool> {
    let mut sql = Sql::new(&format!(
        "INSERT INTO subclasses (library, class, {CLASS_COLUMNS}) VALUES ("
    ));
    sql.bind(library.as_str())
        .push(", ")
        .bind(s.class.as_str())
        .push(", ")
        .bind(s.alias.as_str())
        .push(", ")
        .bind(s.description.as_str());
    bind_settings(&mut sql, &s.settings).push(") ON CONFLICT (library, class, alias) DO NOTHING");
    Ok(sql.execute(conn).await? > 0)
}

/// Changes a subclass's description and settings; whether it exists.
pub async fn update_subclass(
    conn: &mut AnyConnection,
    library: &LibraryId,
    sub: &Subclass,
) -> Result<bool> {
    let s = &sub.settings;
    Ok(Sql::new("UPDATE subclasses SET description = ")
        .bind(sub.description.as_str())
        .push(", hipaa = ")
        .bind(s.hipaa)
        .push(", indexable = ")
        .bind(s.indexable)
        .push(", retain_days = ")
        .bind(s.retain_days)
        .push(", required_fields = ")
        .bind(required_list(s))
        .push(", shadow = ")
        .bind(s.shadow)
        .push(", echo = ")
        .bind(s.echo)
        .push(", default_security = ")
        .bind(s.default_security.as_str())
        .push(" WHERE library = ")
        .bind(library.as_str())
        .push(" AND class = ")
        .bind(sub.class.as_str())
        .push(" AND alias = ")
        .bind(sub.alias.as_str())
        .execute(conn)
        .await?
        > 0)
}

pub async fn delete_subclass(
    conn: &mut AnyConnection,
    library: &LibraryId,
    class: &str,
    alias: &str,
) -> Result<bool> {
    Ok(Sql::new("DELETE FROM subclasses WHERE library = ")
        .bind(library.as_str())
        .push(" AND class = ")
        .bind(class)
        .push(" AND alias = ")
        .bind(alias)
        .execute(conn)
        .await?
        > 0)
}

pub async fn subclasses(
    conn: &mut AnyConnection,
    library: &LibraryId,
    class: &str,
) -> Result<Vec<Subclass>> {
    let rows = Sql::new(&format!(
        "SELECT class, {CLASS_COLUMNS} FROM subclasses WHERE library = "
    ))
    .bind(library.as_str())
    .push(" AND class = ")
    .bind(class.to_uppercase())
    .push(" ORDER BY alias")
    .fetch_all(conn)
    .await?;
    rows.iter().map(subclass).collect()
}

pub async fn get_subclass(
    conn: &mut AnyConnection,
    library: &LibraryId,
    class: &str,
    alias: &str,
) -> Result<Option<Subclass>> {
    Sql::new(&format!(
        "SELECT class, {CLASS_COLUMNS} FROM subclasses WHERE library = "
    ))
    .bind(library.as_str())
    .push(" AND class = ")
    .bind(class.to_uppercase())
    .push(" AND alias = ")
    .bind(alias.to_uppercase())
    .fetch_optional(conn)
    .await?
    .map(|r| subclass(&r))
    .transpose()
}

/// Whether any document version, workspace or folder of the library carries this class
/// (and this subclass of it, when one is named).
pub async fn class_in_use(
    conn: &mut AnyConnection,
    library: &LibraryId,
    class: &str,
    subclass: Option<&str>,
) -> Result<bool> {
    for table in ["documents", "containers"] {
        let mut sql = Sql::new(&format!("SELECT 1 FROM {table} WHERE library = "));
        sql.bind(library.as_str()).push(" AND class = ").bind(class);
        if let Some(s) = subclass {
            sql.push(" AND subclass = ").bind(s);
        }
        sql.push(" LIMIT 1");
        if sql.fetch_optional(&mut *conn).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

// ---- custom field definitions ----

/// The definitions a library has changed (the others are defaults).
pub async fn custom_fields(
    conn: &mut AnyConnection,
    library: &LibraryId,
) -> Result<Vec<CustomFieldDefinition>> {
    let rows = Sql::new(
        "SELECT field, caption, enabled, required, lookup_validated FROM custom_fields WHERE library = ",
    )
    .bind(library.as_str())
    .push(" ORDER BY field")
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let field: i64 = r.try_get("field").db()?;
            Ok(CustomFieldDefinition {
                field: usize::try_from(field).unwrap_or_default(),
                caption: r.try_get("caption").db()?,
                enabled: get_bool(r, "enabled")?,
                required: get_bool(r, "required")?,
                lookup_validated: get_bool(r, "lookup_validated")?,
            })
        })
        .collect()
}

pub async fn save_custom_field(
    conn: &mut AnyConnection,
    library: &LibraryId,
    d: &CustomFieldDefinition,
) -> Result<()> {
    Sql::new("INSERT INTO custom_fields (library, field, caption, enabled, required, lookup_validated) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(d.field as i64)
        .push(", ")
        .bind(d.caption.as_str())
        .push(", ")
        .bind(d.enabled)
        .push(", ")
        .bind(d.required)
        .push(", ")
        .bind(d.lookup_validated)
        .push(") ON CONFLICT (library, field) DO UPDATE SET caption = excluded.caption, enabled = excluded.enabled, required = excluded.required, lookup_validated = excluded.lookup_validated")
        .execute(conn)
        .await?;
    Ok(())
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
