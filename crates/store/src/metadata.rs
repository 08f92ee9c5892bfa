//! Extended metadata: the property catalogue, taxonomy trees and documents' values.

use std::collections::HashMap;

use dossier_core::LibraryId;
use dossier_core::metadata::{
    MetadataMatch, Property, PropertyId, PropertyKind, Taxonomy, TaxonomyId, TaxonomyNode,
    match_key,
};
use dossier_core::query::Page;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool, like_pattern};
use crate::{DbResult, Result};

// ---- the catalogue ----

fn property(row: &AnyRow) -> Result<Property> {
    let kind: String = row.try_get("kind").db()?;
    let taxonomy: Option<String> = row.try_get("taxonomy").db()?;
    Ok(Property {
        id: PropertyId::parse(&row.try_get::<String, _>("id").db()?)?,
        caption: row.try_get("caption").db()?,
        kind: PropertyKind::parse(&kind)?,
        multi: get_bool(row, "multi")?,
        required: get_bool(row, "required")?,
        enabled: get_bool(row, "enabled")?,
        lookup_values: Vec::new(),
        taxonomy: taxonomy.as_deref().map(TaxonomyId::parse).transpose()?,
        slot: row
            .try_get::<Option<i64>, _>("slot")
            .db()?
            .and_then(|n| usize::try_from(n).ok()),
    })
}

async fn with_lookups(
    conn: &mut AnyConnection,
    library: &LibraryId,
    mut props: Vec<Property>,
) -> Result<Vec<Property>> {
    let rows = Sql::new("SELECT property, value FROM em_lookup_values WHERE library = ")
        .bind(library.as_str())
        .push(" ORDER BY property, position")
        .fetch_all(conn)
        .await?;
    let mut lists: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows {
        lists
            .entry(r.try_get("property").db()?)
            .or_default()
            .push(r.try_get("value").db()?);
    }
    for p in &mut props {
        p.lookup_values = lists.remove(p.id.as_str()).unwrap_or_default();
    }
    Ok(props)
}

/// The library's catalogue, by id.
pub async fn properties(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<Property>> {
    let rows = Sql::new("SELECT * FROM em_properties WHERE library = ")
        .bind(library.as_str())
        .push(" ORDER BY id")
        .fetch_all(conn)
        .await?;
    let props = rows.iter().map(property).collect::<Result<Vec<_>>>()?;
    with_lookups(conn, library, props).await
}

pub async fn get_property(
    conn: &mut AnyConnection,
    library: &LibraryId,
    id: &PropertyId,
) -> Result<Option<Property>> {
    Ok(properties(conn, library)
        .await?
        .into_iter()
        .find(|p| p.id == *id))
}

/// Writes `p` whole (a new property, or one replacing the row of the same id).
pub async fn put_property(
    conn: &mut AnyConnection,
    library: &LibraryId,
    p: &Property,
) -> Result<()> {
    remove_property(conn, library, &p.id).await?;
    Sql::new("INSERT INTO em_properties (library, id, caption, kind, multi, required, enabled, taxonomy, slot) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(p.id.as_str())
        .push(", ")
        .bind(p.caption.as_str())
        .push(", ")
        .bind(p.kind.as_str())
        .push(", ")
        .bind(p.multi)
        .push(", ")
        .bind(p.required)
        .push(", ")
        .bind(p.enabled)
        .push(", ")
        .bind(p.taxonomy.as_ref().map(|t| t.as_str()))
        .push(", ")
        .bind(p.slot.and_then(|n| i64::try_from(n).ok()))
        .push(")")
        .execute(conn)
        .await?;
    for (i, v) in p.lookup_values.iter().enumerate() {
        Sql::new("INSERT INTO em_lookup_values (library, property, position, value) VALUES (")
            .bind(library.as_str())
            .push(", ")
            .bind(p.id.as_str())
            .push(", ")
            .bind(i as i64)
            .push(", ")
            .bind(v.as_str())
            .push(")")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Removes a property from the catalogue (its values on documents are the caller's).
pub async fn remove_property(
    conn: &mut AnyConnection,
    library: &LibraryId,
    id: &PropertyId,
) -> Result<()> {
    for table in ["em_properties", "em_lookup_values"] {
        let key = if table == "em_properties" {
            "id"
        } else {
            "property"
        };
        Sql::new(&format!("DELETE FROM {table} WHERE library = "))
            .bind(library.as_str())
            .push(&format!(" AND {key} = "))
            .bind(id.as_str())
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// How many documents hold a value of the property.
pub async fn documents_with(
    conn: &mut AnyConnection,
    library: &LibraryId,
    id: &PropertyId,
) -> Result<i64> {
    Sql::new("SELECT COUNT(DISTINCT document) AS n FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND property = ")
        .bind(id.as_str())
        .fetch_one(conn)
        .await?
        .try_get("n")
        .db()
}

/// Whether some document holds more than one value of the property.
pub async fn has_several_values(
    conn: &mut AnyConnection,
    library: &LibraryId,
    id: &PropertyId,
) -> Result<bool> {
    Ok(
        Sql::new("SELECT 1 AS x FROM document_metadata WHERE library = ")
            .bind(library.as_str())
            .push(" AND property = ")
            .bind(id.as_str())
            .push(" AND position > 0 LIMIT 1")
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

/// The distinct values (match keys) documents hold of a property.
pub async fn values_in_use(
    conn: &mut AnyConnection,
    library: &LibraryId,
    id: &PropertyId,
) -> Result<Vec<String>> {
    let rows = Sql::new("SELECT DISTINCT match_key FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND property = ")
        .bind(id.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| r.try_get("match_key").db()).collect()
}

/// Deletes every document's values of the property.
pub async fn remove_values_of(
    conn: &mut AnyConnection,
    library: &LibraryId,
    id: &PropertyId,
) -> Result<Vec<i64>> {
    let rows = Sql::new("SELECT DISTINCT document FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND property = ")
        .bind(id.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let docs = rows
        .iter()
        .map(|r| r.try_get("document").db())
        .collect::<Result<Vec<i64>>>()?;
    Sql::new("DELETE FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND property = ")
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(docs)
}

// ---- taxonomies ----

pub async fn taxonomies(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<Taxonomy>> {
    let rows = Sql::new("SELECT id, name FROM em_taxonomies WHERE library = ")
        .bind(library.as_str())
        .push(" ORDER BY id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Taxonomy {
                id: TaxonomyId::parse(&r.try_get::<String, _>("id").db()?)?,
                name: r.try_get("name").db()?,
            })
        })
        .collect()
}

pub async fn put_taxonomy(
    conn: &mut AnyConnection,
    library: &LibraryId,
    t: &Taxonomy,
) -> Result<()> {
    Sql::new("DELETE FROM em_taxonomies WHERE library = ")
        .bind(library.as_str())
        .push(" AND id = ")
        .bind(t.id.as_str())
        .execute(&mut *conn)
        .await?;
    Sql::new("INSERT INTO em_taxonomies (library, id, name) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(t.id.as_str())
        .push(", ")
        .bind(t.name.as_str())
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a taxonomy and its nodes.
pub async fn remove_taxonomy(
    conn: &mut AnyConnection,
    library: &LibraryId,
    id: &TaxonomyId,
) -> Result<()> {
    for (table, key) in [("em_taxonomies", "id"), ("em_taxonomy_nodes", "taxonomy")] {
        Sql::new(&format!("DELETE FROM {table} WHERE library = "))
            .bind(library.as_str())
            .push(&format!(" AND {key} = "))
            .bind(id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn node(r: &AnyRow) -> Result<TaxonomyNode> {
    Ok(TaxonomyNode {
        id: r.try_get("id").db()?,
        label: r.try_get("label").db()?,
        parent: r.try_get("parent").db()?,
        enabled: get_bool(r, "enabled")?,
    })
}

fn nodes_of(library: &LibraryId, taxonomy: &TaxonomyId) -> Sql {
    let mut sql =
        Sql::new("SELECT id, label, parent, enabled FROM em_taxonomy_nodes WHERE library = ");
    sql.bind(library.as_str())
        .push(" AND taxonomy = ")
        .bind(taxonomy.as_str());
    sql
}

pub async fn get_node(
    conn: &mut AnyConnection,
    library: &LibraryId,
    taxonomy: &TaxonomyId,
    id: &str,
) -> Result<Option<TaxonomyNode>> {
    nodes_of(library, taxonomy)
        .push(" AND id = ")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(node)
        .transpose()
}

/// Every node's parent: the whole tree's shape, for cycle checks and subtrees.
pub async fn parents(
    conn: &mut AnyConnection,
    library: &LibraryId,
    taxonomy: &TaxonomyId,
) -> Result<HashMap<String, Option<String>>> {
    let rows = nodes_of(library, taxonomy).fetch_all(conn).await?;
    rows.iter()
        .map(|r| node(r).map(|n| (n.id, n.parent)))
        .collect()
}

/// Which search a node search is.
#[derive(Clone, Debug, Default)]
pub struct NodeSearch {
    /// Words a label (or id) starts with, or a pattern with `*`; `None`: every node.
    pub query: Option<String>,
    /// An exact id, case-insensitive.
    pub id: Option<String>,
    /// Only among these nodes (the children or descendants of one, the roots).
    pub among: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// How many node ids a search binds as parameters at the most; a larger set of nodes to
/// search among is applied in memory (databases cap a statement's parameters).
const AMONG_IN_SQL: usize = 500;

/// The nodes a search finds, by label, and their total.
pub async fn search_nodes(
    conn: &mut AnyConnection,
    library: &LibraryId,
    taxonomy: &TaxonomyId,
    s: &NodeSearch,
    page: Page,
) -> Result<(Vec<TaxonomyNode>, i64)> {
    let filter = |sql: &mut Sql| {
        if let Some(q) = &s.query {
            let q = q.trim();
            if q.contains('*') {
                let pat = like_pattern(q);
                sql.push(" AND (label_key LIKE ")
                    .bind(pat.clone())
                    .push(" ESCAPE '\\' OR lower(id) LIKE ")
                    .bind(pat)
                    .push(" ESCAPE '\\')");
            } else {
                // A word of the label, or the id, starts with the query.
                let start = format!("{}%", like_pattern(q));
                sql.push(" AND (label_key LIKE ")
                    .bind(start.clone())
                    .push(" ESCAPE '\\' OR label_key LIKE ")
                    .bind(format!("% {start}"))
                    .push(" ESCAPE '\\' OR lower(id) LIKE ")
                    .bind(start)
                    .push(" ESCAPE '\\')");
            }
        }
        if let Some(id) = &s.id {
            sql.push(" AND lower(id) = ").bind(id.to_lowercase());
        }
        match &s.among {
            Some(among) if among.is_empty() => {
                sql.push(" AND 1 = 0");
            }
            Some(among) if among.len() <= AMONG_IN_SQL => {
                sql.push(" AND id IN (")
                    .bind_list(among.iter().map(String::as_str))
                    .push(")");
            }
            // A larger set (a big subtree) is applied below, in memory.
            _ => {}
        }
        if let Some(e) = s.enabled {
            sql.push(" AND enabled = ").bind(e);
        }
    };
    if let Some(among) = s.among.as_ref().filter(|a| a.len() > AMONG_IN_SQL) {
        let among: std::collections::HashSet<&str> = among.iter().map(String::as_str).collect();
        let mut sql = nodes_of(library, taxonomy);
        filter(&mut sql);
        sql.push(" ORDER BY label_key, id");
        let found: Vec<TaxonomyNode> = sql
            .fetch_all(conn)
            .await?
            .iter()
            .map(node)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|n| among.contains(n.id.as_str()))
            .collect();
        let total = found.len() as i64;
        let page: Vec<TaxonomyNode> = found
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(0))
            .take(usize::try_from(page.limit).unwrap_or(0))
            .collect();
        return Ok((page, total));
    }
    let mut count = Sql::new("SELECT COUNT(*) AS n FROM em_taxonomy_nodes WHERE library = ");
    count
        .bind(library.as_str())
        .push(" AND taxonomy = ")
        .bind(taxonomy.as_str());
    filter(&mut count);
    let total: i64 = count.fetch_one(&mut *conn).await?.try_get("n").db()?;
    let mut sql = nodes_of(library, taxonomy);
    filter(&mut sql);
    sql.push(" ORDER BY label_key, id").push_page(&page);
    let rows = sql.fetch_all(conn).await?;
    Ok((rows.iter().map(node).collect::<Result<_>>()?, total))
}

/// Writes a node whole (new, renamed or moved).
pub async fn put_node(
    conn: &mut AnyConnection,
    library: &LibraryId,
    taxonomy: &TaxonomyId,
    n: &TaxonomyNode,
) -> Result<()> {
    remove_node(conn, library, taxonomy, &n.id).await?;
    Sql::new("INSERT INTO em_taxonomy_nodes (library, taxonomy, id, label, label_key, parent, enabled) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(taxonomy.as_str())
        .push(", ")
        .bind(n.id.as_str())
        .push(", ")
        .bind(n.label.as_str())
        .push(", ")
        .bind(n.label.to_lowercase())
        .push(", ")
        .bind(n.parent.as_deref())
        .push(", ")
        .bind(n.enabled)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_node(
    conn: &mut AnyConnection,
    library: &LibraryId,
    taxonomy: &TaxonomyId,
    id: &str,
) -> Result<()> {
    Sql::new("DELETE FROM em_taxonomy_nodes WHERE library = ")
        .bind(library.as_str())
        .push(" AND taxonomy = ")
        .bind(taxonomy.as_str())
        .push(" AND id = ")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a document holds `node` as a value of one of `properties`.
pub async fn node_in_use(
    conn: &mut AnyConnection,
    library: &LibraryId,
    properties: &[PropertyId],
    node: &str,
) -> Result<bool> {
    if properties.is_empty() {
        return Ok(false);
    }
    Ok(
        Sql::new("SELECT 1 AS x FROM document_metadata WHERE library = ")
            .bind(library.as_str())
            .push(" AND property IN (")
            .bind_list(properties.iter().map(|p| p.as_str()))
            .push(") AND match_key = ")
            .bind(match_key(node))
            .push(" LIMIT 1")
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

// ---- values on documents ----

/// A document's values: (property, value) in property order, each property's values in
/// the order they were set.
pub async fn values_of(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
) -> Result<Vec<(String, String)>> {
    let rows = Sql::new("SELECT property, value FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(document)
        .push(" ORDER BY property, position")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("property").db()?, r.try_get("value").db()?)))
        .collect()
}

/// Replaces a document's values of one property (none: cleared).
pub async fn set_values(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
    property: &PropertyId,
    values: &[String],
) -> Result<()> {
    Sql::new("DELETE FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(document)
        .push(" AND property = ")
        .bind(property.as_str())
        .execute(&mut *conn)
        .await?;
    for (i, v) in values.iter().enumerate() {
        Sql::new("INSERT INTO document_metadata (library, document, property, position, value, match_key) VALUES (")
            .bind(library.as_str())
            .push(", ")
            .bind(document)
            .push(", ")
            .bind(property.as_str())
            .push(", ")
            .bind(i as i64)
            .push(", ")
            .bind(v.as_str())
            .push(", ")
            .bind(match_key(v))
            .push(")")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Appends the conditions of a document search on extended metadata (`d` is the
/// documents row).
pub(crate) fn push_matches(sql: &mut Sql, matches: &[MetadataMatch]) {
    for m in matches {
        if m.keys.is_empty() {
            sql.push(" AND 1 = 0");
            continue;
        }
        sql.push(" AND d.number IN (SELECT m.document FROM document_metadata m WHERE m.library = d.library AND m.property = ")
            .bind(m.property.as_str())
            .push(" AND m.match_key IN (")
            .bind_list(m.keys.iter().map(String::as_str))
            .push("))");
    }
}

/// Removes a document's values (the document is gone).
pub async fn remove_document(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
) -> Result<()> {
    Sql::new("DELETE FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(document)
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives a copy of a document the values of its source.
pub async fn copy_document(
    conn: &mut AnyConnection,
    library: &LibraryId,
    from: i64,
    to: i64,
) -> Result<()> {
    Sql::new("INSERT INTO document_metadata (library, document, property, position, value, match_key) SELECT library, ")
        .bind(to)
        .push(", property, position, value, match_key FROM document_metadata WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(from)
        .execute(conn)
        .await?;
    Ok(())
}

/// The values of these documents as the index holds them: per document, (property, match
/// key) per value.
pub async fn match_keys_of(
    conn: &mut AnyConnection,
    library: &LibraryId,
    documents: &[i64],
) -> Result<HashMap<i64, Vec<(String, String)>>> {
    let mut out: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    if documents.is_empty() {
        return Ok(out);
    }
    let rows =
        Sql::new("SELECT document, property, match_key FROM document_metadata WHERE library = ")
            .bind(library.as_str())
            .push(" AND document IN (")
            .bind_list(documents.iter().copied())
            .push(") ORDER BY document, property, position")
            .fetch_all(conn)
            .await?;
    for r in rows {
        out.entry(r.try_get("document").db()?)
            .or_default()
            .push((r.try_get("property").db()?, r.try_get("match_key").db()?));
    }
    Ok(out)
}
