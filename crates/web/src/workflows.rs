//! "Start a workflow" on one or several selected documents: the registered workflows the
//! service offers the user for that selection (audience, scope and trigger are its rules),
//! the chosen workflow's form as its registration names it, and the run's state afterwards.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dossier_api::AppState;
use dossier_core::workflows::{Choices, FieldKind, RawValue, RunEntry};
use dossier_core::{DocumentRef, DomainError, LibraryId};

use crate::page::{self, Chrome, Failure, PageResult};
use crate::session::Signed;
use crate::view;

/// The selected documents of a query string or form (`document=ACTIVE!12&document=…`), all
/// of one library; a malformed id is a missing page.
fn selection(pairs: &[(String, String)]) -> Result<(LibraryId, Vec<DocumentRef>), Failure> {
    let docs = pairs
        .iter()
        .filter(|(k, _)| k == "document")
        .map(|(_, v)| v.parse::<DocumentRef>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Failure::from(page::not_found()))?;
    let Some(first) = docs.first() else {
        return Err(DomainError::invalid("document", "select one or more documents first").into());
    };
    let library = first.library.clone();
    if docs.iter().any(|d| d.library != library) {
        return Err(DomainError::invalid(
            "document",
            "the selected documents must be in one library",
        )
        .into());
    }
    Ok((library, docs))
}

pub struct Offered {
    pub id: String,
    pub name: String,
    pub description: String,
    pub href: String,
}

pub struct Field {
    pub id: String,
    pub label: String,
    pub input: &'static str,
    pub required: bool,
    pub choices: Vec<String>,
}

#[derive(Template)]
#[template(path = "workflows.html")]
struct WorkflowsPage {
    chrome: Chrome,
    documents: Vec<(String, String)>,
    offered: Vec<Offered>,
    chosen: Option<(String, String)>,
    fields: Vec<Field>,
    action: String,
}

/// The selection's query string, for links that keep it.
fn selection_query(docs: &[DocumentRef]) -> String {
    docs.iter()
        .map(|d| format!("document={}", url_part(&d.to_string())))
        .collect::<Vec<_>>()
        .join("&")
}

fn url_part(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace("%21", "!")
}

pub async fn choose(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<Vec<(String, String)>>,
) -> PageResult {
    let caller = signed.caller();
    let d = &state.dossier;
    let (library, docs) = selection(&q)?;
    let mut documents = Vec::with_capacity(docs.len());
    for r in &docs {
        let v = d.document(caller, r).await?;
        documents.push((view::document_href(&v.doc), v.doc.name.clone()));
    }
    let offered = d.offered_workflows(caller, &library, &docs).await?;
    let keep = selection_query(&docs);
    let chosen_id = q
        .iter()
        .find(|(k, _)| k == "workflow")
        .map(|(_, v)| v.clone());
    let chosen = chosen_id
        .as_ref()
        .and_then(|id| offered.iter().find(|w| &w.id == id));
    let fields = match chosen {
        Some(w) if !w.form.is_empty() => d
            .workflow_form(caller, &library, &w.form)
            .await?
            .fields
            .iter()
            .map(|f| Field {
                id: f.id.clone(),
                label: f.label.clone(),
                input: match f.kind {
                    FieldKind::Text => "text",
                    FieldKind::Number => "number",
                    FieldKind::Boolean => "checkbox",
                    FieldKind::Date => "date",
                    FieldKind::Choice => "choice",
                },
                required: f.required,
                choices: match &f.choices {
                    Choices::Listed(c) => c.clone(),
                    Choices::None | Choices::Lookup(_) => Vec::new(),
                },
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(page::ok(&WorkflowsPage {
        chrome: Chrome::of(&signed.0),
        documents,
        offered: offered
            .iter()
            .map(|w| Offered {
                id: w.id.clone(),
                name: w.name.clone(),
                description: w.description.clone(),
                href: format!("/workflows?{keep}&workflow={}", url_part(&w.id)),
            })
            .collect(),
        action: chosen
            .map(|w| format!("/workflows/{}/runs", url_part(&w.id)))
            .unwrap_or_default(),
        chosen: chosen.map(|w| (w.id.clone(), w.name.clone())),
        fields,
    }))
}

/// Starts the run with the form's values, typed by the form's fields (a checkbox is a
/// boolean, a number field a number; the service checks each against its field).
pub async fn start(
    State(state): State<AppState>,
    signed: Signed,
    Path(workflow): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let caller = signed.caller();
    let d = &state.dossier;
    let (library, docs) = selection(&form)?;
    let offered = d.offered_workflows(caller, &library, &docs).await?;
    let w = offered
        .iter()
        .find(|w| w.id == workflow)
        .ok_or_else(|| Failure::from(page::not_found()))?;
    let fields = if w.form.is_empty() {
        Vec::new()
    } else {
        d.workflow_form(caller, &library, &w.form).await?.fields
    };
    let values: Vec<(String, RawValue)> = fields
        .iter()
        .map(|f| {
            let given = form
                .iter()
                .find(|(k, _)| k == &format!("field.{}", f.id))
                .map(|(_, v)| v.trim());
            let value = match (f.kind, given) {
                (FieldKind::Boolean, v) => RawValue::Boolean(v.is_some()),
                (_, None | Some("")) => RawValue::Null,
                (FieldKind::Number, Some(v)) => v
                    .parse()
                    .map_or(RawValue::Text(v.to_string()), RawValue::Number),
                (_, Some(v)) => RawValue::Text(v.to_string()),
            };
            (f.id.clone(), value)
        })
        .collect();
    let run = d
        .start_workflow(caller, &library, &workflow, &docs, &values)
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        Redirect::to(&format!("/workflow-runs/{}/{}", library, url_part(&run.id))),
    )
        .into_response())
}

pub struct Line {
    pub when: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "workflow_run.html")]
struct RunPage {
    chrome: Chrome,
    name: String,
    state: &'static str,
    status: String,
    message: String,
    documents: Vec<String>,
    history: Vec<Line>,
}

pub async fn run(
    State(state): State<AppState>,
    signed: Signed,
    Path((library, id)): Path<(String, String)>,
) -> PageResult {
    let caller = signed.caller();
    let library = LibraryId::parse(&library).map_err(|_| Failure::from(page::not_found()))?;
    let v = state.dossier.workflow_run(caller, &library, &id).await?;
    let r = &v.run;
    Ok(page::ok(&RunPage {
        chrome: Chrome::of(&signed.0),
        name: v
            .workflow_name
            .clone()
            .unwrap_or_else(|| r.workflow.clone()),
        state: r.state.display_name(),
        status: r.status.clone().unwrap_or_default(),
        message: r.message.clone().unwrap_or_default(),
        documents: r.documents.clone(),
        history: v
            .history
            .iter()
            .map(|e| match e {
                RunEntry::State {
                    at,
                    state,
                    status,
                    message,
                    by,
                } => Line {
                    when: view::date(at),
                    what: format!(
                        "{} by {by}{}{}",
                        state.display_name(),
                        status
                            .as_deref()
                            .map(|s| format!(": {s}"))
                            .unwrap_or_default(),
                        message
                            .as_deref()
                            .map(|m| format!(" — {m}"))
                            .unwrap_or_default()
                    ),
                },
                RunEntry::Attempt {
                    at,
                    http_status,
                    error,
                    ..
                } => Line {
                    when: view::date(at),
                    what: match (http_status, error) {
                        (Some(s), _) => format!("Sent to the flow: HTTP {s}"),
                        (None, Some(e)) => format!("Sending failed: {e}"),
                        (None, None) => "Sending failed".into(),
                    },
                },
            })
            .collect(),
    }))
}
