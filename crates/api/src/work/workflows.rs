//! Workflows in the Work API, Dossier's extension (iManage's own clients call private
//! endpoints for this); docs/automate.md, "Workflows", describes it with examples:
//!
//! - `GET|POST L/workflow-forms`, `GET|PATCH|DELETE L/workflow-forms/{form}`: the
//!   library's forms (`{id, name, contexts, fields: [{id, label, type, required, choices |
//!   lookup}]}`); writing them needs the library's administrator rights.
//! - `GET L/workflows?document_id=A,B`: the workflows offered to the caller for these
//!   documents (one document: the single trigger's, two or more: the multiple trigger's).
//! - `POST L/workflows/{id}/runs` `{document_ids, values}`: starts one (201, the run).
//! - `GET L/workflow-runs/{id}`: a run with its history, for its starter and the library's
//!   administrators.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::custom::is_lookup;
use dossier_core::fields::field_number;
use dossier_core::workflows::{
    Choices, FieldKind, Form, FormField, RawValue, RunEntry, TriggerKind, Workflow,
};
use dossier_core::{DocumentRef, DomainError};
use dossier_service::workflows::{FormChanges, FormInput, RunView};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{InLibrary, JsonObject, Params, Q};
use crate::fields::{Obj, flag, text};
use crate::{AppState, reply};

pub fn routes(l: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{l}/workflow-forms"), get(forms).post(create_form))
        .route(
            &format!("{l}/workflow-forms/{{form}}"),
            get(form).patch(update_form).delete(delete_form),
        )
        .route(&format!("{l}/workflows"), get(offered))
        .route(&format!("{l}/workflows/{{workflow}}/runs"), post(start))
        .route(&format!("{l}/workflow-runs/{{run}}"), get(run))
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn form_json(f: &Form) -> Value {
    let fields: Vec<Value> = f
        .fields
        .iter()
        .map(|field| {
            let mut v = json!({
                "id": field.id,
                "label": field.label,
                "type": field.kind.as_str(),
                "required": field.required,
            });
            match &field.choices {
                Choices::Listed(c) => v["choices"] = json!(c),
                Choices::Lookup(n) => v["lookup"] = json!(format!("custom{n}")),
                Choices::None => {}
            }
            v
        })
        .collect();
    json!({
        "id": f.id,
        "name": f.name,
        "contexts": f.contexts.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "fields": fields,
        "created": time(f.created),
        "updated": time(f.updated),
    })
}

fn contexts(body: &Obj) -> Result<Option<Vec<TriggerKind>>, DomainError> {
    match body.get("contexts") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|c| {
                c.as_str().and_then(TriggerKind::parse).ok_or_else(|| {
                    DomainError::invalid(
                        "contexts",
                        "contexts lists single_selected_document and/or multiple_selected_documents",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(DomainError::invalid("contexts", "contexts must be a list")),
    }
}

fn fields(body: &Obj) -> Result<Option<Vec<FormField>>, DomainError> {
    let items = match body.get("fields") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(DomainError::invalid("fields", "fields must be a list")),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |what: &str| format!("fields[{i}].{what}");
        let Value::Object(o) = item else {
            return Err(DomainError::invalid(&at("id"), "a field is an object"));
        };
        let kind_name = text(o, "type")?.unwrap_or_default();
        let kind = FieldKind::parse(&kind_name).ok_or_else(|| {
            DomainError::invalid(
                &at("type"),
                "type is one of text, number, boolean, date, choice",
            )
        })?;
        let choices = match (o.get("choices"), text(o, "lookup")?) {
            (Some(Value::Array(c)), None) => Choices::Listed(
                c.iter()
                    .map(|v| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            DomainError::invalid(&at("choices"), "choices are texts")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            (None | Some(Value::Null), Some(l)) => {
                Choices::Lookup(field_number(&l).filter(|n| is_lookup(*n)).ok_or_else(|| {
                    DomainError::invalid(&at("lookup"), format!("'{l}' is not a lookup field"))
                })?)
            }
            (None | Some(Value::Null), None) => Choices::None,
            _ => {
                return Err(DomainError::invalid(
                    &at("choices"),
                    "a field lists choices or names a lookup, not both",
                ));
            }
        };
        out.push(FormField {
            id: text(o, "id")?.unwrap_or_default(),
            label: text(o, "label")?.unwrap_or_default(),
            kind,
            required: flag(o, "required")?.unwrap_or(false),
            choices,
        });
    }
    Ok(Some(out))
}

async fn forms(State(state): State<AppState>, l: InLibrary) -> ApiResult<Response> {
    let forms = state
        .dossier
        .workflow_forms(&l.caller, &l.library, None)
        .await?;
    Ok(reply::data(Value::Array(
        forms.iter().map(form_json).collect(),
    )))
}

async fn create_form(
    State(state): State<AppState>,
    l: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let input = FormInput {
        id: text(&body, "id")?.unwrap_or_default(),
        name: text(&body, "name")?.unwrap_or_default(),
        contexts: contexts(&body)?.unwrap_or_else(|| TriggerKind::ALL.to_vec()),
        fields: fields(&body)?.unwrap_or_default(),
    };
    let f = state
        .dossier
        .create_workflow_form(&l.caller, &l.library, input)
        .await?;
    Ok(reply::created(form_json(&f)))
}

async fn form(State(state): State<AppState>, l: InLibrary, p: Params) -> ApiResult<Response> {
    let f = state
        .dossier
        .workflow_form(&l.caller, &l.library, p.get("form")?)
        .await?;
    Ok(reply::data(form_json(&f)))
}

async fn update_form(
    State(state): State<AppState>,
    l: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let changes = FormChanges {
        name: text(&body, "name")?,
        contexts: contexts(&body)?,
        fields: fields(&body)?,
    };
    let f = state
        .dossier
        .update_workflow_form(&l.caller, &l.library, p.get("form")?, changes)
        .await?;
    Ok(reply::data(form_json(&f)))
}

async fn delete_form(
    State(state): State<AppState>,
    l: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    state
        .dossier
        .delete_workflow_form(&l.caller, &l.library, p.get("form")?)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

fn workflow_json(w: &Workflow) -> Value {
    json!({
        "id": w.id,
        "name": w.name,
        "description": w.description,
        "trigger": w.kind.as_str(),
        "form_id": w.form,
        "infer_folder_id": w.infer_folder,
        "wait_for_completion": w.wait_for_completion,
    })
}

fn document_refs(field: &str, raw: &[String]) -> Result<Vec<DocumentRef>, ApiError> {
    raw.iter()
        .map(|d| {
            d.trim().parse::<DocumentRef>().map_err(|_| {
                ApiError::invalid(
                    field,
                    format!("'{d}' is not a document id (library!number)"),
                )
            })
        })
        .collect()
}

/// `GET L/workflows?document_id=ACTIVE!12` (or `ACTIVE!12,ACTIVE!13,…`).
async fn offered(State(state): State<AppState>, l: InLibrary, q: Q) -> ApiResult<Response> {
    let raw: Vec<String> = q
        .text("document_id")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::invalid(
            "document_id",
            "document_id names the selected documents, separated by commas",
        ));
    }
    let documents = document_refs("document_id", &raw)?;
    let offered = state
        .dossier
        .offered_workflows(&l.caller, &l.library, &documents)
        .await?;
    Ok(reply::data(Value::Array(
        offered.iter().map(workflow_json).collect(),
    )))
}

fn raw_value(v: &Value) -> RawValue {
    match v {
        Value::Null => RawValue::Null,
        Value::String(s) => RawValue::Text(s.clone()),
        Value::Number(n) => n.as_f64().map_or(RawValue::Other, RawValue::Number),
        Value::Bool(b) => RawValue::Boolean(*b),
        Value::Array(_) | Value::Object(_) => RawValue::Other,
    }
}

/// `POST L/workflows/{id}/runs` `{"document_ids": [...], "values": {field: value}}`.
async fn start(
    State(state): State<AppState>,
    l: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let ids = match body.get("document_ids") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    ApiError::invalid("document_ids", "document_ids lists document ids")
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(ApiError::invalid(
                "document_ids",
                "document_ids lists the selected documents",
            ));
        }
    };
    let documents = document_refs("document_ids", &ids)?;
    let values: Vec<(String, RawValue)> = match body.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(o)) => o.iter().map(|(k, v)| (k.clone(), raw_value(v))).collect(),
        Some(_) => {
            return Err(ApiError::invalid(
                "values",
                "values is an object of the form's field ids",
            ));
        }
    };
    let run = state
        .dossier
        .start_workflow(
            &l.caller,
            &l.library,
            p.get("workflow")?,
            &documents,
            &values,
        )
        .await?;
    let view = state
        .dossier
        .workflow_run(&l.caller, &l.library, &run.id)
        .await?;
    Ok(reply::created(run_json(&view)))
}

fn run_json(v: &RunView) -> Value {
    let r = &v.run;
    let history: Vec<Value> = v
        .history
        .iter()
        .map(|e| match e {
            RunEntry::State {
                at,
                state,
                status,
                message,
                by,
            } => json!({"kind": "state", "at": time(*at), "state": state.as_str(),
                        "status": status, "message": message, "by": by}),
            RunEntry::Attempt {
                at,
                http_status,
                latency_ms,
                error,
            } => json!({"kind": "attempt", "at": time(*at), "http_status": http_status,
                        "latency_ms": latency_ms, "error": error}),
        })
        .collect();
    json!({
        "id": r.id,
        "workflow_id": r.workflow,
        "workflow_name": v.workflow_name,
        "library_id": r.library.as_str(),
        "starter": r.starter,
        "document_ids": r.documents,
        "state": r.state.as_str(),
        "status": r.status,
        "message": r.message,
        "delivery": r.delivery.as_str(),
        "flow_run_id": r.flow_run_id,
        "attempts": r.attempts,
        "created": time(r.created),
        "updated": time(r.updated),
        "payload": serde_json::from_str::<Value>(&r.payload).unwrap_or(Value::Null),
        "history": history,
    })
}

async fn run(State(state): State<AppState>, l: InLibrary, p: Params) -> ApiResult<Response> {
    let view = state
        .dossier
        .workflow_run(&l.caller, &l.library, p.get("run")?)
        .await?;
    Ok(reply::data(run_json(&view)))
}
