//! CreateWorkspace, UpdateWorkspace, GetWorkspaceProfile and SearchWorkspaces: the Work
//! API's workspace use cases (`create_workspace` from a template, `update_container`,
//! `container`, the workspace search) behind the connector's bodies.

use axum::extract::State;
use axum::response::Response;
use dossier_core::ContainerId;
use dossier_core::model::ContainerKind;
use dossier_core::templates::{TemplateChoice, TemplateFolders};
use dossier_service::Caller;
use dossier_service::search::containers::ContainerSearchKind;
use serde_json::{Value, json};

use super::render::Context;
use super::{
    CUSTOMS, accept_only, accept_only_with, is_custom, max_len, not_clearable, search_query, unkept,
};
use crate::AppState;
use crate::automate::data;
use crate::automate::error::{AutomateError, AutomateResult};
use crate::automate::links::Links;
use crate::automate::wire::{self, work_body};
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::work::wire::{NestedProfile, container_changes, new_container};

const WORKSPACE: &[ContainerKind] = &[ContainerKind::Workspace];

/// The swagger's description of a workspace the flow author gave none.
const DEFAULT_DESCRIPTION: &str = "Created from iManage Work Connector";

/// Owners are user ids of at most 63 characters in the connector's schema.
const OWNER_MAX: usize = 63;

const CREATE_FIELDS: [&str; 12] = [
    "libraryId",
    "templateId",
    "name",
    "createChildren",
    "owner",
    "default_security",
    "description",
    "is_external_as_normal",
    "project_custom1",
    "project_custom2",
    "project_custom3",
    "subclass",
];

const UPDATE_FIELDS: [&str; 10] = [
    "id",
    "name",
    "owner",
    "default_security",
    "description",
    "is_external_as_normal",
    "project_custom1",
    "project_custom2",
    "project_custom3",
    "subclass",
];

/// The connector's own fields, which the Work API's profile reader does not know.
const FACADE_ONLY: [&str; 5] = [
    "libraryId",
    "templateId",
    "createChildren",
    "id",
    "is_external_as_normal",
];

fn check_lengths(body: &serde_json::Map<String, Value>) -> AutomateResult<()> {
    max_len(body, "owner", OWNER_MAX)
}

/// POST /createWorkspace: a workspace from `templateId` with its folders ("All Folders"
/// or "Only Required Folders"), the body's profile over the template's.
pub(super) async fn create(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = body?;
    accept_only(&body, &CREATE_FIELDS, CUSTOMS)?;
    let library = wire::required_text(&body, "libraryId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, &library)
        .await?;
    let template: ContainerId = wire::container_id(&body, "templateId")?;
    wire::required_text(&body, "name")?;
    let folders = TemplateFolders::parse(
        "createChildren",
        &wire::required_text(&body, "createChildren")?,
    )?;
    check_lengths(&body)?;
    unkept(&body)?;
    if template.library != library {
        return Err(AutomateError::invalid(
            "templateId",
            format!("template {template} is not in library {library}"),
        ));
    }
    // An unknown template is a 404 like any unknown id the connector sends.
    state.dossier.template(&caller, &template).await?;
    let mut profile = work_body(&body);
    for k in FACADE_ONLY {
        profile.remove(k);
    }
    profile
        .entry("description")
        .or_insert_with(|| json!(DEFAULT_DESCRIPTION));
    let new = new_container(&profile, NestedProfile::Own)?;
    let choice = TemplateChoice {
        template: Some(template),
        folders,
    };
    let w = state
        .dossier
        .create_workspace(&caller, &library, new, choice)
        .await?;
    let mut cx = Context::new(&state, &caller, links);
    Ok(data(cx.workspace_profile(&w).await?))
}

/// POST /updateWorkspace: the fields sent change, `''` or `""` clears one.
pub(super) async fn update(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = body?;
    accept_only(&body, &UPDATE_FIELDS, CUSTOMS)?;
    let id = wire::container_id(&body, "id")?;
    check_lengths(&body)?;
    not_clearable(&body, &["name", "owner", "default_security"])?;
    unkept(&body)?;
    let mut changes = work_body(&body);
    for k in FACADE_ONLY {
        changes.remove(k);
    }
    // A workspace always has a description; cleared, it is empty.
    if changes.get("description") == Some(&Value::Null) {
        changes.insert("description".into(), json!(""));
    }
    let changes = container_changes(&changes, NestedProfile::Own)?;
    let w = state
        .dossier
        .update_container(&caller, &id, WORKSPACE, &changes)
        .await?;
    let mut cx = Context::new(&state, &caller, links);
    Ok(data(cx.workspace_profile(&w).await?))
}

/// POST /getWorkspaceProfile
pub(super) async fn profile(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = body?;
    accept_only(&body, &["workspaceId"], false)?;
    let id = wire::container_id(&body, "workspaceId")?;
    let w = state.dossier.container(&caller, &id, WORKSPACE).await?;
    let mut cx = Context::new(&state, &caller, links);
    Ok(data(cx.workspace_profile(&w).await?))
}

/// `custom21_from` … `custom24_to`: the date fields' ranges a workspace search takes.
fn is_date_range(key: &str) -> bool {
    (21..=24).any(|n| key == format!("custom{n}_from") || key == format!("custom{n}_to"))
}

const SEARCH_FIELDS: [&str; 6] = [
    "libraryId",
    "name",
    "owner",
    "anywhere",
    "description",
    "subclass",
];

/// POST /searchWorkspaces: the Work API's workspace search with the connector's filters
/// (custom17–20 arrive as text, custom21–24 as `_from`/`_to` ranges); `topMatching*` name
/// the first result.
pub(super) async fn search(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = body?;
    accept_only_with(&body, &SEARCH_FIELDS, |k| is_custom(k) || is_date_range(k))?;
    for n in 21..=24 {
        if body.contains_key(&format!("custom{n}")) {
            let name = format!("custom{n}");
            return Err(AutomateError::invalid(
                &name,
                format!("{name} is searched as a range: send custom{n}_from and custom{n}_to"),
            ));
        }
    }
    let library = wire::required_text(&body, "libraryId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, &library)
        .await?;
    // The Work API's container query has no subclass filter; it is applied to the results.
    let subclass = crate::fields::text(&body, "subclass")?
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty());
    let mut filters = body.clone();
    filters.remove("libraryId");
    filters.remove("subclass");
    let found = search_query(
        &state,
        &caller,
        &library,
        &filters,
        ContainerSearchKind::Workspaces,
    )
    .await?;
    let mut cx = Context::new(&state, &caller, links);
    let mut results = Vec::new();
    for w in found.iter().filter(|w| {
        subclass.as_deref().is_none_or(|s| {
            w.subclass
                .as_deref()
                .is_some_and(|ws| ws.eq_ignore_ascii_case(s))
        })
    }) {
        results.push(Value::Object(cx.workspace(w).await?));
    }
    let mut out = json!({});
    if let Some(first) = results.first() {
        out["topMatchingId"] = first["id"].clone();
        out["topMatchingName"] = first["name"].clone();
    }
    out["results"] = Value::Array(results);
    Ok(data(out))
}
