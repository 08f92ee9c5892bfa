//! Core extended metadata: property ids, a document's values read and set, taxonomy node search (`document.em.controllers`, `library.em.controllers`).
//!
//! The connector names a property by its typed slot (`text3`, `mv_taxonomy1`): each property
//! of the library's catalogue holds one slot of its family (`core::metadata::SlotFamily`),
//! stored with it, so the ids a flow was built with keep naming the same property. Node
//! `ssid`s are node ids: a node has no other system id here (the Work API says the same).

mod core_em;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use dossier_core::DomainError;
use dossier_core::metadata::{Property, Slot, SlotFamily};
use dossier_core::query::Page;
use dossier_service::Caller;
use dossier_service::metadata::FoundNode;
use serde_json::{Map, Value, json};

use super::error::{AutomateError, AutomateResult};
use super::links::Links;
use super::{data, home_library, wire};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{JsonObject, Q};
use crate::fields::{Obj, flag, text};
use crate::work::wire::metadata::{metadata_changes, node_search};

/// Most nodes one search answers: the connector has no paging, so the whole result up to
/// this bound (a picker shows no more).
const NODES_MAX: i64 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/getExtendedPropertyIds", get(get_extended_property_ids))
        .route(
            "/getCoreEMPropertiesForDocument",
            post(get_core_em_properties),
        )
        .route(
            "/setCoreEMPropertiesForDocument",
            post(set_core_em_properties),
        )
        .route(
            "/searchCoreEMTaxonomyNodeValues",
            post(search_taxonomy_node_values),
        )
}

/// `property_type`: the slot families it lists.
fn families(q: &Q) -> AutomateResult<&'static [SlotFamily]> {
    Ok(match wire::required(q, "property_type")? {
        "lookup" => &[SlotFamily::Lookup, SlotFamily::MvLookup],
        "taxonomy" => &[SlotFamily::Taxonomy],
        "mv_taxonomy" => &[SlotFamily::MvTaxonomy],
        "taxonomy_mv_taxonomy" => &[SlotFamily::Taxonomy, SlotFamily::MvTaxonomy],
        "all_core" => &SlotFamily::ALL,
        other => {
            return Err(AutomateError::invalid(
                "property_type",
                format!(
                    "'{other}' is not one of lookup, taxonomy, mv_taxonomy, taxonomy_mv_taxonomy, all_core"
                ),
            ));
        }
    })
}

/// GET /getExtendedPropertyIds: the caller's library's properties of the asked families,
/// by slot, captioned. `curation` properties (iManage's content-curation namespace) are a
/// catalogue Dossier does not keep: that namespace lists none.
async fn get_extended_property_ids(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let q = q?;
    let curation = match wire::required(&q, "property_namespace")? {
        "extended_metadata" => false,
        "curation" => true,
        other => {
            return Err(AutomateError::invalid(
                "property_namespace",
                format!("'{other}' is not one of curation, extended_metadata"),
            ));
        }
    };
    let families = families(&q)?;
    if curation {
        return Ok(data(json!([])));
    }
    let library = home_library(&state, &caller).await?;
    let mut slotted: Vec<(Slot, Property)> = state
        .dossier
        .metadata_properties(&caller, &library)
        .await?
        .into_iter()
        .filter_map(|p| p.slot().map(|s| (s, p)))
        .filter(|(s, _)| families.contains(&s.family))
        .collect();
    // In the swagger's order of families, then by number.
    slotted.sort_by_key(|(s, _)| (SlotFamily::ALL.iter().position(|f| *f == s.family), s.n));
    let listed = slotted
        .iter()
        .map(|(s, p)| json!({"id": s.name(), "display_name": p.caption}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// POST /getCoreEMPropertiesForDocument: the document's values in their slots. `latest`
/// (default false) reads the latest version's profile instead of the one named (values are
/// the document's, the same on every version).
async fn get_core_em_properties(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = body?;
    let mut r = wire::document_ref(&body, "documentId")?;
    if flag(&body, "latest")?.unwrap_or(false) {
        r.version = None;
    }
    let view = state.dossier.document(&caller, &r).await?;
    let values = state.dossier.document_metadata(&caller, &r).await?;
    let out = core_em::render(&state, &caller, &links, &view, &values).await?;
    Ok(data(out))
}

/// The `emProperties` of a set: each entry's required `key` and `value` (refused by name
/// when absent, as the swagger requires both), keys that name a slot turned into the
/// property's id; any other key goes to the service as a property id, which refuses one
/// the catalogue lacks by its name.
fn em_changes(body: &Obj, catalogue: &[Property]) -> AutomateResult<Obj> {
    let Some(Value::Array(entries)) = body.get("emProperties") else {
        return Err(match body.get("emProperties") {
            None | Some(Value::Null) => {
                AutomateError::invalid("emProperties", "emProperties is required")
            }
            Some(_) => AutomateError::invalid("emProperties", "emProperties must be a list"),
        });
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Object(o) = entry else {
            return Err(AutomateError::invalid(
                "emProperties",
                "each entry of emProperties must be an object with key and value",
            ));
        };
        let key = wire::required_text(o, "key")?;
        if text(o, "value")?.is_none() {
            return Err(AutomateError::invalid(
                "value",
                format!("the value of {key} is required; send '' to unset it"),
            ));
        }
        let id = Slot::parse(&key)
            .and_then(|s| catalogue.iter().find(|p| p.slot() == Some(s)))
            .map_or(key, |p| p.id.as_str().to_string());
        let mut o = o.clone();
        o.insert("key".into(), json!(id));
        out.push(Value::Object(o));
    }
    let mut changes = Map::new();
    changes.insert("emProperties".into(), Value::Array(out));
    Ok(changes)
}

/// POST /setCoreEMPropertiesForDocument: sets the values (several separated by
/// semicolons, `''` or `""` unsets) through the Work API's reader and the one use case
/// that checks them all before writing any; answers the document's values after.
async fn set_core_em_properties(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = body?;
    let r = wire::document_ref(&body, "documentId")?;
    // Read first: a document the caller may not read is a 404 before anything about the
    // library's catalogue is told.
    let view = state.dossier.document(&caller, &r).await?;
    let catalogue = state
        .dossier
        .metadata_properties(&caller, &r.library)
        .await?;
    let changes = metadata_changes(&em_changes(&body, &catalogue)?)?;
    let values = state
        .dossier
        .update_document_metadata(&caller, &r, &changes)
        .await?;
    let out = core_em::render(&state, &caller, &links, &view, &values).await?;
    Ok(data(out))
}

/// One node as `TaxonomyNodeValue`: `parent` only when it has one, `path` when asked.
fn node_value(f: &FoundNode, with_path: bool) -> Value {
    let n = &f.node;
    let mut o = json!({
        "id": n.id,
        "ssid": n.id,
        "description": n.label,
        "enabled": n.enabled,
    });
    if let Some(p) = &n.parent {
        o["parent"] = json!({"ssid": p});
    }
    if with_path {
        o["path"] = f
            .path
            .iter()
            .map(|a| json!({"id": a.id, "ssid": a.id}))
            .collect();
    }
    o
}

/// POST /searchCoreEMTaxonomyNodeValues: the nodes of the taxonomy property's tree that
/// match, read by the Work API's reader of the same fields (`query` with `*`, `id`,
/// `enabled_state`, `children_of_ssid` (`''` the top level) with
/// `immediate_children_only`, `include_path`); `topMatchingResult` the first,
/// `all_taxonomy_ssids` all of them.
async fn search_taxonomy_node_values(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = body?;
    let library = wire::required_text(&body, "libraryId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, &library)
        .await?;
    let name = wire::required_text(&body, "taxonomyProperty")?;
    let slot = Slot::parse(&name)
        .filter(|s| matches!(s.family, SlotFamily::Taxonomy | SlotFamily::MvTaxonomy))
        .ok_or_else(|| {
            AutomateError::invalid(
                "taxonomyProperty",
                format!("'{name}' is not a taxonomy or mv_taxonomy property id"),
            )
        })?;
    let taxonomy = state
        .dossier
        .metadata_properties(&caller, &library)
        .await?
        .into_iter()
        .find(|p| p.slot() == Some(slot))
        .and_then(|p| p.taxonomy)
        .ok_or_else(|| DomainError::not_found(format!("taxonomy property {}", slot.name())))?;
    let query = node_search(&body)?;
    let with_path = query.with_path;
    let page = Page {
        limit: NODES_MAX,
        ..Page::default()
    };
    let (found, _) = state
        .dossier
        .search_taxonomy_nodes(&caller, &library, &taxonomy, query, page)
        .await
        .map_err(|e| match e {
            // The service names its own field; the connector sent this one.
            DomainError::Invalid { message, fields }
                if fields.iter().any(|f| f.field == "children_of") =>
            {
                let why = fields.first().map_or(message, |f| f.message.clone());
                AutomateError::invalid("children_of_ssid", why)
            }
            other => AutomateError(other),
        })?;
    let results: Vec<Value> = found.iter().map(|f| node_value(f, with_path)).collect();
    let ssids: Vec<&str> = found.iter().map(|f| f.node.id.as_str()).collect();
    let mut out = json!({"results": results, "all_taxonomy_ssids": ssids.join(";")});
    if let Some(top) = results.first() {
        out["topMatchingResult"] = top.clone();
    }
    Ok(data(out))
}
