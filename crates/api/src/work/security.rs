//! `GET`/`POST …/{documents|workspaces|folders}/{id}/security` and
//! `GET …/{documents|workspaces|folders}/{id}/users/{uid}/security` (docs/imanage-api.md §2.6).

use crate::fields::text;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use dossier_core::model::{Trustee, TrusteeType};
use dossier_core::{AccessLevel, DefaultSecurity, DomainError};
use dossier_service::Caller;
use dossier_service::security::{CopyMode, ObjectRef, SECURED_KINDS, SecurityChange, SecurityView};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{InContainer, InDocument, JsonObject, Params};
use crate::{AppState, dto};

/// `{data: [trustees], default_security, inherited_default_security?}`, with
/// `default_security` beside `data` as iManage answers.
fn body(v: &SecurityView) -> Response {
    let mut o = Map::new();
    o.insert("data".into(), v.trustees.iter().map(dto::trustee).collect());
    o.insert(
        "default_security".into(),
        json!(v.default_security.as_str()),
    );
    if v.default_security == DefaultSecurity::Inherit {
        o.insert(
            "inherited_default_security".into(),
            json!(v.effective_default_security.as_str()),
        );
    }
    axum::Json(Value::Object(o)).into_response()
}

fn trustee_type(field: &str, o: &Map<String, Value>) -> ApiResult<TrusteeType> {
    match text(o, "type")?.map(|t| t.to_ascii_lowercase()).as_deref() {
        Some("user") | None => Ok(TrusteeType::User),
        Some("group") => Ok(TrusteeType::Group),
        Some(other) => Err(ApiError::invalid(
            field,
            format!("trustee type is user or group, not '{other}'"),
        )),
    }
}

fn entries<'a>(
    body: &'a Map<String, Value>,
    key: &str,
) -> ApiResult<Vec<(String, &'a Map<String, Value>)>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let field = format!("{key}[{i}]");
                let o = item.as_object().ok_or_else(|| {
                    ApiError::invalid(&field, "each entry is {id, type, access_level}")
                })?;
                Ok((field, o))
            })
            .collect(),
        Some(_) => Err(ApiError::invalid(key, format!("{key} must be a list"))),
    }
}

fn id_of(field: &str, o: &Map<String, Value>) -> ApiResult<String> {
    o.get("id")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError(DomainError::required(&format!("{field}.id"))))
}

/// `{default_security, include: [{id, type, access_level}], remove: [{id, type}]}`.
fn change(body: &Map<String, Value>) -> ApiResult<SecurityChange> {
    let default_security = match body.get("default_security") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(DefaultSecurity::parse("default_security", s)?),
        Some(_) => {
            return Err(ApiError::invalid(
                "default_security",
                "default_security must be a string",
            ));
        }
    };
    let mut include = Vec::new();
    for (field, o) in entries(body, "include")? {
        let access = match o.get("access_level").or_else(|| o.get("access")) {
            Some(Value::String(s)) => AccessLevel::parse(&field, s)?,
            Some(Value::Number(n)) => AccessLevel::parse(&field, &n.to_string())?,
            _ => {
                return Err(ApiError(DomainError::required(&format!(
                    "{field}.access_level"
                ))));
            }
        };
        include.push(Trustee {
            trustee_type: trustee_type(&field, o)?,
            id: id_of(&field, o)?,
            access,
        });
    }
    let mut remove = Vec::new();
    for (field, o) in entries(body, "remove")? {
        remove.push((trustee_type(&field, o)?, id_of(&field, o)?));
    }
    Ok(SecurityChange {
        default_security,
        include,
        remove,
    })
}

async fn library(
    state: &AppState,
    caller: &Caller,
    p: &Params,
) -> ApiResult<dossier_core::LibraryId> {
    Ok(state
        .dossier
        .library(caller, p.customer()?, p.library()?)
        .await?)
}

pub async fn get_document(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
) -> ApiResult<Response> {
    let v = state.dossier.document_security(&caller, &document).await?;
    Ok(body(&v))
}

pub async fn post_document(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let v = state
        .dossier
        .change_document_security(&caller, &document, change(&b)?)
        .await?;
    Ok(body(&v))
}

pub async fn get_container(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    state
        .dossier
        .container(&caller, &id, &SECURED_KINDS)
        .await?;
    let v = state.dossier.container_security(&caller, &id).await?;
    Ok(body(&v))
}

pub async fn post_container(
    State(state): State<AppState>,
    InContainer {
        caller, container, ..
    }: InContainer,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let v = state
        .dossier
        .change_container_security(&caller, &container, change(&b)?)
        .await?;
    Ok(body(&v))
}

pub async fn user_on_document(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    let r = p.document("id")?;
    let level = state
        .dossier
        .user_access(&caller, &lib, ObjectRef::Document(&r), p.get("uid")?)
        .await?;
    Ok(
        axum::Json(json!({"data": {"access": level.number(), "access_level": level.as_str()}}))
            .into_response(),
    )
}

pub async fn user_on_container(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    let id = p.container("id")?;
    let level = state
        .dossier
        .user_access(&caller, &lib, ObjectRef::Container(&id), p.get("uid")?)
        .await?;
    Ok(
        axum::Json(json!({"data": {"access": level.number(), "access_level": level.as_str()}}))
            .into_response(),
    )
}

/// `POST …/{documents|workspaces|folders}/{id}/security/copy`
/// `{documents: [ids], containers: [ids], mode, include_default_security}`: copies this
/// object's security onto the targets, all or nothing. `mode` is `overwrite`,
/// `merge_pessimistic` or `merge_optimistic` (or the connector's display strings
/// "Overwrite", "Merge (Pessimistic)", "Merge (Optimistic)").
pub async fn copy_from_document(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    library(&state, &caller, &p).await?;
    let source = p.document("id")?;
    copy(&state, &caller, &p, ObjectRef::Document(&source), &b).await
}

pub async fn copy_from_container(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    library(&state, &caller, &p).await?;
    let source = p.container("id")?;
    copy(&state, &caller, &p, ObjectRef::Container(&source), &b).await
}

async fn copy(
    state: &AppState,
    caller: &Caller,
    p: &Params,
    source: ObjectRef<'_>,
    b: &Map<String, Value>,
) -> ApiResult<Response> {
    let mode = match text(b, "mode")?.map(|m| m.to_ascii_lowercase()).as_deref() {
        None | Some("overwrite") => CopyMode::Overwrite,
        Some("merge_pessimistic" | "merge (pessimistic)") => CopyMode::MergePessimistic,
        Some("merge_optimistic" | "merge (optimistic)") => CopyMode::MergeOptimistic,
        Some(other) => {
            return Err(ApiError::invalid(
                "mode",
                format!("mode is overwrite, merge_pessimistic or merge_optimistic, not '{other}'"),
            ));
        }
    };
    let with_default =
        crate::identity_wire::opt_bool(b, "include_default_security")?.unwrap_or(true);
    let ids = |key: &str| -> ApiResult<Vec<String>> { crate::identity_wire::id_list(b, key) };
    let mut docs = Vec::new();
    for raw in ids("documents")? {
        let r: dossier_core::DocumentRef = raw.parse()?;
        if r.library.as_str() != p.library()?.to_uppercase() {
            return Err(ApiError::invalid(
                "documents",
                format!("{raw} is in another library"),
            ));
        }
        docs.push(r);
    }
    let mut containers = Vec::new();
    for raw in ids("containers")? {
        let c: dossier_core::ContainerId = raw.parse()?;
        if c.library.as_str() != p.library()?.to_uppercase() {
            return Err(ApiError::invalid(
                "containers",
                format!("{raw} is in another library"),
            ));
        }
        containers.push(c);
    }
    if docs.is_empty() && containers.is_empty() {
        return Err(ApiError(DomainError::required("documents")));
    }
    let targets: Vec<ObjectRef<'_>> = docs
        .iter()
        .map(ObjectRef::Document)
        .chain(containers.iter().map(ObjectRef::Container))
        .collect();
    let n = state
        .dossier
        .copy_security(caller, source, &targets, mode, with_default)
        .await?;
    Ok(axum::Json(json!({"data": {"copied_to": n}})).into_response())
}
