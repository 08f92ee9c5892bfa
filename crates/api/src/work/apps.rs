//! `customers/{customer}/apps`: the Control Center's Applications, OAuth clients managed by
//! identity administrators. The client secret appears only in the answer to the request
//! that made it (creation, or `new_secret: true`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dossier_core::identity::App;
use dossier_service::Caller;
use dossier_service::apps::{AppChanges, AppRegistration, RegisteredApp};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonObject, Params};
use crate::reply;

fn app_json(a: &App) -> Value {
    json!({
        "id": a.client_id,
        "client_id": a.client_id,
        "name": a.name,
        "client_type": if a.is_public() { "public" } else { "confidential" },
        "redirect_uris": a.redirect_uris,
        "grants": a.grants.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "scopes": a.scopes.iter().collect::<Vec<_>>(),
        "service_account": a.service_account,
        "first_party": a.first_party,
        "enabled": a.enabled,
        "create_date": a.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "edit_date": a.edited_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

fn registered_json(r: &RegisteredApp) -> Value {
    let mut v = app_json(&r.app);
    if let Some(s) = &r.client_secret {
        v["client_secret"] = s.clone().into();
    }
    v
}

fn same_customer(caller: &Caller, p: &Params) -> ApiResult<()> {
    if p.customer()? != caller.customer_id {
        return Err(ApiError::not_found(format!("customer {}", p.customer()?)));
    }
    Ok(())
}

fn string_list(body: &Map<String, Value>, field: &str) -> ApiResult<Option<Vec<String>>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    ApiError::invalid(field, format!("{field} must be a list of strings"))
                })
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some),
        // A space-separated string is accepted too, as OAuth writes scopes.
        Some(Value::String(s)) => Ok(Some(s.split_whitespace().map(str::to_string).collect())),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be a list of strings"),
        )),
    }
}

fn flag(body: &Map<String, Value>, field: &str) -> ApiResult<Option<bool>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be true or false"),
        )),
    }
}

fn text(body: &Map<String, Value>, field: &str) -> ApiResult<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be a string"),
        )),
    }
}

const KNOWN: &[&str] = &[
    "name",
    "redirect_uris",
    "grants",
    "scopes",
    "client_type",
    "service_account",
    "first_party",
    "enabled",
    "new_secret",
];

fn no_unknown_fields(body: &Map<String, Value>) -> ApiResult<()> {
    match body.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(k, format!("unknown field '{k}'"))),
        None => Ok(()),
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Response> {
    same_customer(&caller, &p)?;
    let apps = state.dossier.apps(&caller).await?;
    Ok(reply::list(apps.iter().map(app_json).collect(), None, None))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    same_customer(&caller, &p)?;
    no_unknown_fields(&body)?;
    let public = match text(&body, "client_type")?.as_deref() {
        None | Some("confidential") => false,
        Some("public") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "client_type",
                format!("client_type is public or confidential, not '{other}'"),
            ));
        }
    };
    let reg = AppRegistration {
        name: text(&body, "name")?.unwrap_or_default(),
        redirect_uris: string_list(&body, "redirect_uris")?.unwrap_or_default(),
        grants: string_list(&body, "grants")?.unwrap_or_default(),
        scopes: string_list(&body, "scopes")?.unwrap_or_default(),
        public,
        service_account: text(&body, "service_account")?,
        first_party: flag(&body, "first_party")?.unwrap_or(false),
    };
    let registered = state.dossier.register_app(&caller, reg).await?;
    Ok(reply::created(registered_json(&registered)))
}

pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    same_customer(&caller, &p)?;
    let app = state.dossier.app(&caller, p.get("id")?).await?;
    Ok(reply::data(app_json(&app)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    same_customer(&caller, &p)?;
    no_unknown_fields(&body)?;
    if body.contains_key("client_type") {
        return Err(ApiError::invalid(
            "client_type",
            "an app's client type cannot change; register a new app",
        ));
    }
    let changes = AppChanges {
        name: text(&body, "name")?,
        redirect_uris: string_list(&body, "redirect_uris")?,
        grants: string_list(&body, "grants")?,
        scopes: string_list(&body, "scopes")?,
        service_account: match body.get("service_account") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => Some(text(&body, "service_account")?),
        },
        first_party: flag(&body, "first_party")?,
        enabled: flag(&body, "enabled")?,
        new_secret: flag(&body, "new_secret")?.unwrap_or(false),
    };
    let updated = state
        .dossier
        .update_app(&caller, p.get("id")?, changes)
        .await?;
    Ok(reply::data(registered_json(&updated)))
}

/// Revokes the app: it is disabled and every token issued to it stops working.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    same_customer(&caller, &p)?;
    state.dossier.revoke_app(&caller, p.get("id")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
