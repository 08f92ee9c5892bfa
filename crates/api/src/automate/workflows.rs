//! The "iManage Work" connector's workflow triggers (docs/automate.md, "Workflows"):
//! GetForms, GetTriggerSchema, GetWorkflowAllowedUserList and GetWorkflowStateList fill the
//! designer's pickers and the trigger's outputs; SingleSelectedDocument and
//! MultipleSelectedDocuments register a flow (Power Automate calls them when a flow with
//! the trigger is saved) and answer a `Location` header, the absolute URL of
//! UnregisterWorkflow for that registration, which Power Automate calls when the flow is
//! deleted or changed; UpdateWorkflowState is the flow reporting its run's progress.
//!
//! The rules (who may register, the audience, re-registration replacing, who may report a
//! run's state) are `service::workflows`'; this module reads the connector's parameters and
//! headers and renders the swagger's shapes.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use dossier_core::workflows::{FlowIdentity, RunState, TriggerKind, Workflow};
use dossier_core::{ContainerId, LibraryId};
use dossier_service::Caller;
use dossier_service::workflows::{Registration, StateReport};
use serde_json::{Value, json};

use super::error::{AutomateError, AutomateResult};
use super::{data, home_library, wire};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{JsonObject, Q};
use crate::fields::{Obj, flag, text};
use crate::origin::public_base;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/getForms", get(get_forms))
        .route("/getTriggerSchema", get(get_trigger_schema))
        .route(
            "/getWorkflowAllowedUserList",
            get(get_workflow_allowed_user_list),
        )
        .route("/getWorkflowStateList", get(get_workflow_state_list))
        .route(
            "/hooks/register/singleSelectedDocument",
            post(register_single),
        )
        .route(
            "/hooks/register/multipleSelectedDocuments",
            post(register_multiple),
        )
        .route(
            "/hooks/unregister/workflows/{workflow}",
            delete(unregister_workflow),
        )
        .route("/updateWorkflowState", patch(update_workflow_state))
}

/// The trigger a `context` or `triggerId` names, refused by name otherwise.
fn trigger(field: &str, raw: &str) -> AutomateResult<TriggerKind> {
    TriggerKind::parse(raw).ok_or_else(|| {
        AutomateError::invalid(
            field,
            format!(
                "'{raw}' is not one of {}, {}",
                TriggerKind::Single.as_str(),
                TriggerKind::Multiple.as_str()
            ),
        )
    })
}

async fn library(state: &AppState, caller: &Caller, raw: &str) -> AutomateResult<LibraryId> {
    Ok(state
        .dossier
        .library(caller, caller.customer_id, raw)
        .await?)
}

/// GET /getForms: the library's forms, those for `context` when given.
async fn get_forms(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let q = q?;
    let library = library(&state, &caller, wire::required(&q, "libraryId")?).await?;
    let context = q
        .text("context")
        .map(|c| trigger("context", c))
        .transpose()?;
    let forms = state
        .dossier
        .workflow_forms(&caller, &library, context)
        .await?;
    let listed = forms
        .iter()
        .map(|f| json!({"id": f.id, "display_name": f.name}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// GET /getTriggerSchema: the JSON Schema of the payload a run will be sent.
async fn get_trigger_schema(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let q = q?;
    let library_id = wire::required(&q, "libraryId")?;
    let form = wire::required(&q, "formId")?;
    let kind = trigger("triggerId", wire::required(&q, "triggerId")?)?;
    let infer_folder = q
        .flag("inferFolderId")?
        .ok_or_else(|| AutomateError::invalid("inferFolderId", "inferFolderId is required"))?;
    let library = library(&state, &caller, library_id).await?;
    let schema = state
        .dossier
        .trigger_schema(&caller, &library, form, kind, infer_folder)
        .await?;
    let schema: Value = serde_json::from_str(&schema)
        .map_err(|e| AutomateError(dossier_core::DomainError::internal(e)))?;
    Ok(data(schema))
}

/// GET /getWorkflowAllowedUserList: the users of the caller's library.
async fn get_workflow_allowed_user_list(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let library = home_library(&state, &caller).await?;
    let users = state.dossier.workflow_users(&caller, &library).await?;
    let listed = users
        .iter()
        .map(|(id, name)| {
            let shown = if name.trim().is_empty() { id } else { name };
            json!({"id": id, "display_name": shown})
        })
        .collect();
    Ok(data(Value::Array(listed)))
}

/// GET /getWorkflowStateList: the fixed list of run states.
async fn get_workflow_state_list(c: Result<Caller, ApiError>) -> AutomateResult<Response> {
    c?;
    let listed = RunState::ALL
        .iter()
        .map(|s| json!({"id": s.as_str(), "display_name": s.display_name()}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// A header Power Automate fills, when present and not blank.
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// A semicolon list of a body, empty when absent (or the clear sentinel).
fn list(body: &Obj, name: &str) -> AutomateResult<Vec<String>> {
    Ok(text(body, name)?
        .filter(|s| !wire::is_clear(s))
        .map(|s| wire::semicolons(&s))
        .unwrap_or_default())
}

async fn register(
    state: AppState,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
    kind: TriggerKind,
) -> AutomateResult<Response> {
    let caller = caller?;
    let JsonObject(body) = body?;
    let callback_url = wire::required_text(&body, "callbackUrl")?;
    let name = wire::required_text(&body, "workflowName")?;
    let description = wire::required_text(&body, "description")?;
    let library_id = wire::required_text(&body, "libraryId")?;
    let form = wire::required_text(&body, "formId")?;
    let infer_folder = flag(&body, "inferFolderId")?
        .ok_or_else(|| AutomateError::invalid("inferFolderId", "inferFolderId is required"))?;
    let library = library(&state, &caller, &library_id).await?;
    let workspaces = list(&body, "workspaces")?
        .iter()
        .map(|w| {
            w.parse::<ContainerId>().map_err(|_| {
                AutomateError::invalid(
                    "workspaces",
                    format!("'{w}' is not a workspace id (library!number)"),
                )
            })
        })
        .collect::<AutomateResult<Vec<_>>>()?;
    let registration = Registration {
        kind,
        callback_url,
        name,
        description,
        form,
        infer_folder,
        wait_for_completion: flag(&body, "waitForCompletion")?.unwrap_or(false),
        users: list(&body, "users")?,
        groups: list(&body, "groups")?,
        workspaces,
        classes: list(&body, "classes")?,
        flow: FlowIdentity {
            name: header_text(&headers, "x-ms-workflow-name"),
            environment: header_text(&headers, "x-ms-environment-id"),
            version: header_text(&headers, "x-ms-workflow-version"),
        },
    };
    let workflow = state
        .dossier
        .register_workflow(&caller, &library, registration)
        .await?;
    let location = unregister_url(&state, &headers, &caller, &workflow);
    let answer = match kind {
        TriggerKind::Single => json!(workflow.id),
        TriggerKind::Multiple => json!({}),
    };
    let mut response = data(answer);
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// The absolute URL of UnregisterWorkflow for a registration, as `Location` carries it.
fn unregister_url(state: &AppState, headers: &HeaderMap, caller: &Caller, w: &Workflow) -> String {
    let base = format!(
        "{}/automate/work/hooks/unregister/workflows/{}",
        public_base(state, headers),
        w.id
    );
    let mut url = match url::Url::parse(&base) {
        Ok(u) => u,
        Err(_) => return base,
    };
    url.query_pairs_mut()
        .append_pair("libraryId", w.library.as_str())
        .append_pair("customerId", &caller.customer_id.to_string())
        .append_pair("providerWorkflowVersion", w.flow.version_or_default());
    url.to_string()
}

/// POST /hooks/register/singleSelectedDocument: `{"data": "<workflow id>"}` and `Location`.
async fn register_single(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    register(state, caller, headers, body, TriggerKind::Single).await
}

/// POST /hooks/register/multipleSelectedDocuments: `{"data": {}}` and `Location`.
async fn register_multiple(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    register(state, caller, headers, body, TriggerKind::Multiple).await
}

/// DELETE /hooks/unregister/workflows/{workflowId}: `{}`.
async fn unregister_workflow(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(workflow): Path<String>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = caller?;
    let q = q?;
    let library_id = wire::required(&q, "libraryId")?;
    let customer = wire::required(&q, "customerId")?;
    let version = wire::required(&q, "providerWorkflowVersion")?;
    // Another customer's URL names nothing this caller has.
    if customer.parse::<i64>().ok() != Some(caller.customer_id) {
        return Err(AutomateError(dossier_core::DomainError::not_found(
            format!("customer {customer}"),
        )));
    }
    let library = library(&state, &caller, library_id).await?;
    state
        .dossier
        .unregister_workflow(&caller, &library, &workflow, version)
        .await?;
    Ok(axum::Json(json!({})).into_response())
}

/// PATCH /updateWorkflowState: `{}`. The run is the one `x-ms-workflow-run-id` names:
/// Power Automate's run id (recorded from the callback's answer) or Dossier's `run_id`.
async fn update_workflow_state(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = caller?;
    let JsonObject(body) = body?;
    let library_id = wire::required_text(&body, "libraryId")?;
    let state_name = wire::required_text(&body, "state")?;
    let run_state = RunState::read("state", &state_name)?;
    let report = StateReport {
        state: run_state,
        status: text(&body, "status")?,
        message: text(&body, "statusMessage")?,
    };
    let run = header_text(&headers, "x-ms-workflow-run-id").ok_or_else(|| {
        AutomateError::invalid(
            "x-ms-workflow-run-id",
            "x-ms-workflow-run-id names the run; only a flow started by a Dossier trigger has one",
        )
    })?;
    let library = library(&state, &caller, &library_id).await?;
    state
        .dossier
        .update_workflow_state(&caller, &library, &run, report)
        .await?;
    Ok(axum::Json(json!({})).into_response())
}
