//! The admin connector's lookups: lookup field names, aliases listed, created and updated, and the dynamic schemas of those forms.
//!
//! An alias is an entry of a lookup field's table (custom1–12, custom29, custom30), the
//! same entries the Work API's `…/customs/{customN}` maintains, through the same use case
//! (`save_lookup`) and the same reader of an entry (`work::wire::lookup_input`): the
//! `aliasInfo` forms the schemas below describe carry its fields (`id`, `description`,
//! `enabled`, `parent`). Operations without a `libraryId` label fields with the captions
//! of the administrator's own library (`metadata::home_library`).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dossier_core::custom::{CUSTOM_COUNT, is_lookup, parent_of};
use dossier_core::fields::{FieldDefinitions, field_number};
use dossier_core::limits::{ALIAS_MAX, DESCRIPTION_MAX};
use dossier_core::query::Page;
use dossier_core::{DomainError, LibraryId};
use dossier_service::Caller;
use serde_json::{Value, json};

use super::admin::Admin;
use super::error::{AutomateError, AutomateResult};
use super::metadata::home_library;
use super::{data, wire};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{JsonObject, Q};
use crate::fields::Obj;
use crate::work::wire::lookup_input;

/// Most aliases one list answers: the connector has no paging, and a dropdown shows no
/// more.
const ALIASES_MAX: i64 = 5000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/getLookupFieldNames", get(get_lookup_field_names))
        .route("/getLookupAliases", get(get_lookup_aliases))
        .route(
            "/getCreateCustomOrPropertyLookupSchema",
            get(get_create_lookup_schema),
        )
        .route(
            "/getUpdateCustomFieldSchema",
            get(get_update_custom_field_schema),
        )
        .route(
            "/createCustomOrPropertyLookup",
            post(create_custom_or_property_lookup),
        )
        .route("/updateCustomField", post(update_custom_field))
}

/// `lookupFieldId`: `custom1`–`custom12`, `custom29` or `custom30`, refused by name
/// otherwise (it comes from GetLookupFieldNames' list).
fn lookup_field(raw: &str) -> AutomateResult<usize> {
    field_number(raw).filter(|n| is_lookup(*n)).ok_or_else(|| {
        AutomateError::invalid(
            "lookupFieldId",
            format!("'{raw}' is not a lookup field (custom1 to custom12, custom29, custom30)"),
        )
    })
}

/// A field's label: its caption in the library, else its name.
fn label(defs: &FieldDefinitions, n: usize) -> String {
    defs.get(n)
        .map(|d| d.caption.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| format!("custom{n}"))
}

async fn home_captions(state: &AppState, caller: &Caller) -> AutomateResult<FieldDefinitions> {
    let library = home_library(state, caller).await?;
    Ok(state.dossier.custom_fields(caller, &library).await?)
}

/// GET /getLookupFieldNames: the lookup fields, captioned.
async fn get_lookup_field_names(
    State(state): State<AppState>,
    admin: Result<Admin, AutomateError>,
) -> AutomateResult<Response> {
    let Admin(caller) = admin?;
    let defs = home_captions(&state, &caller).await?;
    let listed = (1..=CUSTOM_COUNT)
        .filter(|n| is_lookup(*n))
        .map(|n| json!({"id": format!("custom{n}"), "display_name": label(&defs, n)}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// GET /getLookupAliases: a field's aliases (`id`, `description`), by alias. For custom2
/// and custom30, `parentAlias` keeps the children of one parent entry, and
/// `getParentAliases=true` lists the parent field's aliases instead (what the
/// `parentAlias` picker shows).
async fn get_lookup_aliases(
    State(state): State<AppState>,
    admin: Result<Admin, AutomateError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let Admin(caller) = admin?;
    let q = q?;
    let library = wire::required(&q, "libraryId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, library)
        .await?;
    let field = lookup_field(wire::required(&q, "lookupFieldId")?)?;
    let parents = wire::flag(&q, "getParentAliases", false)?;
    let (field, parent) = match (parent_of(field), parents) {
        (Some(pf), true) => (pf, None),
        (Some(_), false) => (field, q.text("parentAlias").filter(|p| !wire::is_clear(p))),
        (None, _) => (field, None),
    };
    let page = Page {
        limit: ALIASES_MAX,
        ..Page::default()
    };
    let aliases = state
        .dossier
        .lookups(&caller, &library, field, parent, None, page)
        .await?;
    let listed = aliases
        .iter()
        .map(|a| json!({"id": a.alias, "description": a.description}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// The form of an alias (`aliasInfo`) as a JSON Schema Power Automate renders: the
/// alias's `id`, `description` and `enabled` with the server's own limits, and for a
/// child field the parent entry's alias, which identifies the entry with its own.
fn alias_schema(defs: &FieldDefinitions, field: usize, id_description: &str) -> Value {
    let mut properties = json!({
        "id": {
            "type": "string",
            "title": "Alias",
            "description": id_description,
            "minLength": 1,
            "maxLength": ALIAS_MAX,
        },
        "description": {
            "type": "string",
            "title": "Description",
            "description": format!("The alias's description, as {} pickers show it.", label(defs, field)),
            "maxLength": DESCRIPTION_MAX,
        },
        "enabled": {
            "type": "boolean",
            "title": "Enabled",
            "description": "Whether profiles may take the alias.",
            "default": true,
        },
    });
    let mut required = vec!["id"];
    if let Some(pf) = parent_of(field) {
        properties["parent"] = json!({
            "type": "string",
            "title": format!("Parent {} alias", label(defs, pf)),
            "description": format!("The custom{pf} alias this custom{field} alias belongs to."),
            "minLength": 1,
            "maxLength": ALIAS_MAX,
        });
        required.push("parent");
    }
    json!({"type": "object", "properties": properties, "required": required})
}

/// GET /getCreateCustomOrPropertyLookupSchema: the form of a new alias.
async fn get_create_lookup_schema(
    State(state): State<AppState>,
    admin: Result<Admin, AutomateError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let Admin(caller) = admin?;
    let field = lookup_field(wire::required(&q?, "lookupFieldId")?)?;
    let defs = home_captions(&state, &caller).await?;
    let about = format!(
        "The new alias of {}: kept in upper case; unique in its table.",
        label(&defs, field)
    );
    Ok(data(alias_schema(&defs, field, &about)))
}

/// GET /getUpdateCustomFieldSchema: the form of a change to an alias: which alias, and its
/// new description or enabled state (left out: kept).
async fn get_update_custom_field_schema(
    State(state): State<AppState>,
    admin: Result<Admin, AutomateError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let Admin(caller) = admin?;
    let field = lookup_field(wire::required(&q?, "lookupFieldId")?)?;
    let defs = home_captions(&state, &caller).await?;
    let about = format!("The {} alias to change.", label(&defs, field));
    let mut schema = alias_schema(&defs, field, &about);
    // A change keeps what it does not send; the schema defaults nothing.
    if let Some(enabled) = schema["properties"]["enabled"].as_object_mut() {
        enabled.remove("default");
    }
    Ok(data(schema))
}

/// The library, the field and the alias form of a create or update body.
async fn alias_request(
    state: &AppState,
    caller: &Caller,
    body: &Obj,
) -> AutomateResult<(LibraryId, usize, Obj)> {
    let library = wire::required_text(body, "libraryId")?;
    let library = state
        .dossier
        .library(caller, caller.customer_id, &library)
        .await?;
    let field = lookup_field(&wire::required_text(body, "lookupFieldId")?)?;
    let info = match body.get("aliasInfo") {
        Some(Value::Object(o)) => wire::work_body(o),
        None | Some(Value::Null) => {
            return Err(AutomateError::invalid("aliasInfo", "aliasInfo is required"));
        }
        Some(_) => {
            return Err(AutomateError::invalid(
                "aliasInfo",
                "aliasInfo must be an object (see the operation's schema)",
            ));
        }
    };
    Ok((library, field, info))
}

/// Both operations answer an empty object: their swagger declares no content.
fn done() -> Response {
    axum::Json(json!({})).into_response()
}

/// POST /createCustomOrPropertyLookup: a new alias (409 when the table has it already).
async fn create_custom_or_property_lookup(
    State(state): State<AppState>,
    admin: Result<Admin, AutomateError>,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let Admin(caller) = admin?;
    let JsonObject(body) = body?;
    let (library, field, info) = alias_request(&state, &caller, &body).await?;
    let input = lookup_input(&info)?;
    state
        .dossier
        .save_lookup(&caller, &library, field, None, input)
        .await?;
    Ok(done())
}

/// POST /updateCustomField: changes an alias's description or enabled state (404 for an
/// alias the table lacks).
async fn update_custom_field(
    State(state): State<AppState>,
    admin: Result<Admin, AutomateError>,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let Admin(caller) = admin?;
    let JsonObject(body) = body?;
    let (library, field, info) = alias_request(&state, &caller, &body).await?;
    let mut input = lookup_input(&info)?;
    let alias = input
        .alias
        .take()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| DomainError::required("id"))?;
    state
        .dossier
        .save_lookup(&caller, &library, field, Some(&alias), input)
        .await?;
    Ok(done())
}
