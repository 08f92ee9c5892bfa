//! Extended metadata (`L/metadata/…`): the property catalogue, taxonomy trees and their
//! node search, and a document's values (`L/documents/{id}/metadata`). Searching documents
//! by a value is a filter of the document search (`metadata.{property}=value`, see
//! `work::filters`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dossier_core::metadata::{
    Property, PropertyId, PropertyKind, Taxonomy, TaxonomyId, TaxonomyNode,
};
use dossier_core::query::Page;
use dossier_service::metadata::{DocumentMetadata, FoundNode};
use serde_json::{Map, Value, json};

use super::wire::metadata as wire;
use crate::error::{ApiError, ApiResult};
use crate::extract::{InDocument, InLibrary, JsonObject, Params, Q, parse_object};
use crate::fields::integer;
use crate::{AppState, reply};

/// The largest taxonomy import body. A tree of `IMPORT_NODES_MAX` nodes with ids and
/// labels of ordinary length fits well within it.
pub const IMPORT_BODY_MAX: usize = 4 * 1024 * 1024;

pub fn routes(l: &str) -> Router<AppState> {
    let t = format!("{l}/metadata/taxonomies/{{taxonomy}}");
    Router::new()
        .route(
            &format!("{l}/metadata/properties"),
            get(properties).post(create_property),
        )
        .route(
            &format!("{l}/metadata/properties/{{property}}"),
            get(property).patch(update_property).delete(delete_property),
        )
        .route(
            &format!("{l}/metadata/taxonomies"),
            get(taxonomies).post(create_taxonomy),
        )
        .route(&t, get(taxonomy).delete(delete_taxonomy))
        .route(&format!("{t}/nodes"), get(search_nodes_get).post(add_node))
        .route(&format!("{t}/nodes/search"), post(search_nodes_post))
        .route(
            &format!("{t}/nodes/{{node}}"),
            get(node).patch(update_node).delete(remove_node),
        )
        .route(
            &format!("{t}/import"),
            post(import).layer(axum::extract::DefaultBodyLimit::max(IMPORT_BODY_MAX)),
        )
        .route(
            &format!("{l}/documents/{{id}}/metadata"),
            get(document_metadata).patch(update_document_metadata),
        )
}

fn property_id(p: &Params) -> ApiResult<PropertyId> {
    PropertyId::parse(p.get("property")?).map_err(|_| ApiError::not_found("property"))
}

fn taxonomy_id(p: &Params) -> ApiResult<TaxonomyId> {
    TaxonomyId::parse(p.get("taxonomy")?).map_err(|_| ApiError::not_found("taxonomy"))
}

fn property_json(p: &Property) -> Value {
    let mut o = json!({
        "id": p.id.as_str(),
        "caption": p.caption,
        // What the connector's GetExtendedPropertyIds lists a property by.
        "display_name": p.caption,
        "kind": p.kind.as_str(),
        "multi": p.multi,
        "required": p.required,
        "enabled": p.enabled,
    });
    if p.kind == PropertyKind::Lookup {
        o["lookup_values"] = json!(p.lookup_values);
    }
    if let Some(t) = &p.taxonomy {
        o["taxonomy"] = json!(t.as_str());
    }
    o
}

fn taxonomy_json(t: &Taxonomy) -> Value {
    json!({"id": t.id.as_str(), "name": t.name})
}

/// A node as the connector's search answers it (`ssid` and `description` beside our
/// `label`; a node's id is its system id here).
fn node_json(n: &TaxonomyNode) -> Value {
    json!({
        "id": n.id,
        "ssid": n.id,
        "label": n.label,
        "description": n.label,
        "enabled": n.enabled,
        "parent": n.parent.as_ref().map(|p| json!({"id": p, "ssid": p})),
    })
}

fn found_json(f: &FoundNode, with_path: bool) -> Value {
    let mut o = node_json(&f.node);
    if with_path {
        o["path"] = f
            .path
            .iter()
            .map(|n| json!({"id": n.id, "ssid": n.id, "description": n.label}))
            .collect();
    }
    o
}

/// A value in its JSON type: numbers and booleans as such, the rest as strings.
fn value_json(kind: PropertyKind, v: &str) -> Value {
    match kind {
        PropertyKind::Number => v
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| json!(v), Value::Number),
        PropertyKind::Boolean => json!(v == "true"),
        _ => json!(v),
    }
}

fn metadata_json(m: &DocumentMetadata) -> Value {
    let mut o = Map::new();
    for (p, values) in m {
        let vs: Vec<Value> = values.iter().map(|v| value_json(p.kind, v)).collect();
        let v = if p.multi {
            Value::Array(vs)
        } else {
            vs.into_iter().next().unwrap_or(Value::Null)
        };
        o.insert(p.id.as_str().to_string(), v);
    }
    Value::Object(o)
}

// ---- the catalogue ----

pub async fn properties(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
) -> ApiResult<Response> {
    let ps = state.dossier.metadata_properties(&caller, &library).await?;
    Ok(reply::data(ps.iter().map(property_json).collect()))
}

pub async fn property(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let prop = state
        .dossier
        .metadata_property(&caller, &library, &property_id(&p)?)
        .await?;
    Ok(reply::data(property_json(&prop)))
}

pub async fn create_property(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let prop = wire::property(&body)?;
    let prop = state
        .dossier
        .create_metadata_property(&caller, &library, prop)
        .await?;
    Ok(reply::created(property_json(&prop)))
}

pub async fn update_property(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let changes = wire::property_changes(&body)?;
    let prop = state
        .dossier
        .update_metadata_property(&caller, &library, &property_id(&p)?, &changes)
        .await?;
    Ok(reply::data(property_json(&prop)))
}

/// DELETE …/properties/{id}[?with_values=true]: one in use only with its values.
pub async fn delete_property(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let with_values = q.flag("with_values")?.unwrap_or(false);
    state
        .dossier
        .delete_metadata_property(&caller, &library, &property_id(&p)?, with_values)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- taxonomies ----

pub async fn taxonomies(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
) -> ApiResult<Response> {
    let ts = state.dossier.taxonomies(&caller, &library).await?;
    Ok(reply::data(ts.iter().map(taxonomy_json).collect()))
}

pub async fn taxonomy(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let t = state
        .dossier
        .taxonomy(&caller, &library, &taxonomy_id(&p)?)
        .await?;
    Ok(reply::data(taxonomy_json(&t)))
}

pub async fn create_taxonomy(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let t = wire::taxonomy(&body)?;
    let t = state.dossier.create_taxonomy(&caller, &library, t).await?;
    Ok(reply::created(taxonomy_json(&t)))
}

pub async fn delete_taxonomy(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    state
        .dossier
        .delete_taxonomy(&caller, &library, &taxonomy_id(&p)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn node(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let f = state
        .dossier
        .taxonomy_node(&caller, &library, &taxonomy_id(&p)?, p.get("node")?)
        .await?;
    Ok(reply::data(found_json(&f, true)))
}

pub async fn add_node(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let n = wire::node(&body)?;
    let n = state
        .dossier
        .add_taxonomy_node(&caller, &library, &taxonomy_id(&p)?, n)
        .await?;
    Ok(reply::created(node_json(&n)))
}

pub async fn update_node(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let changes = wire::node_changes(&body)?;
    let n = state
        .dossier
        .update_taxonomy_node(
            &caller,
            &library,
            &taxonomy_id(&p)?,
            p.get("node")?,
            &changes,
        )
        .await?;
    Ok(reply::data(node_json(&n)))
}

pub async fn remove_node(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    state
        .dossier
        .remove_taxonomy_node(&caller, &library, &taxonomy_id(&p)?, p.get("node")?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// POST …/import: a whole tree in one transaction. A body over `IMPORT_BODY_MAX` is refused
/// before it is read through.
pub async fn import(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::invalid(
                "body",
                format!(
                    "a taxonomy import may be at most {} MiB of JSON",
                    IMPORT_BODY_MAX >> 20
                ),
            )
        } else {
            ApiError::invalid("body", e.body_text())
        }
    })?;
    let body = parse_object(&bytes, "body")?;
    let (parent, roots) = wire::import(&body)?;
    let added = state
        .dossier
        .import_taxonomy(&caller, &library, &taxonomy_id(&p)?, parent, &roots)
        .await?;
    Ok(reply::created(json!({"imported": added})))
}

/// A node search's page: `limit` (1–1000, default 100) and `offset`, in label order.
fn node_page(limit: Option<i64>, offset: Option<i64>) -> ApiResult<Page> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "limit must be between 1 and 1000",
        ));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("offset", "offset cannot be negative"));
    }
    Ok(Page {
        limit,
        offset,
        after: None,
        want_total: true,
    })
}

/// The answer of a node search, both forms: the page of `results`, the connector's
/// `topMatchingResult` (the first), and `total_count`.
async fn search_nodes(
    state: &AppState,
    caller: &dossier_service::Caller,
    library: &dossier_core::LibraryId,
    p: &Params,
    body: &Map<String, Value>,
    page: Page,
) -> ApiResult<Response> {
    let query = wire::node_search(body)?;
    let with_path = query.with_path;
    let (found, total) = state
        .dossier
        .search_taxonomy_nodes(caller, library, &taxonomy_id(p)?, query, page)
        .await?;
    let results: Vec<Value> = found.iter().map(|f| found_json(f, with_path)).collect();
    Ok(axum::Json(json!({
        "data": {
            "topMatchingResult": results.first().cloned(),
            "results": results,
        },
        "total_count": total,
    }))
    .into_response())
}

/// GET …/nodes?query=…: the search's fields as query parameters.
pub async fn search_nodes_get(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let mut body = Map::new();
    for (k, v) in &q.0 {
        let v = match k.as_str() {
            "immediate_children_only" | "include_path" => json!(q.flag(k)?),
            _ => json!(v),
        };
        body.insert(k.clone(), v);
    }
    let page = node_page(q.int("limit")?, q.int("offset")?)?;
    search_nodes(&state, &caller, &library, &p, &body, page).await
}

/// POST …/nodes/search: the connector's body (`query`, `id`, `enabled_state`,
/// `children_of_ssid`, `immediate_children_only`, `include_path`, `limit`, `offset`).
pub async fn search_nodes_post(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let page = node_page(integer(&body, "limit")?, integer(&body, "offset")?)?;
    search_nodes(&state, &caller, &library, &p, &body, page).await
}

// ---- values on documents ----

pub async fn document_metadata(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
) -> ApiResult<Response> {
    let m = state.dossier.document_metadata(&caller, &document).await?;
    Ok(reply::data(metadata_json(&m)))
}

pub async fn update_document_metadata(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let changes = wire::metadata_changes(&body)?;
    let m = state
        .dossier
        .update_document_metadata(&caller, &document, &changes)
        .await?;
    Ok(reply::data(metadata_json(&m)))
}
