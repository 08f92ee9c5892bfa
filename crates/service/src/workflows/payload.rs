//! The trigger's payload, the JSON a flow receives when a user starts it, and its JSON
//! Schema (what GetTriggerSchema answers and the designer renders as the trigger's
//! outputs). Both are written here, side by side, so they cannot drift: every property the
//! builder writes is in the schema, with the same type and the same required list. The
//! names are Dossier's, documented in docs/automate.md, and stable:
//!
//! `workflow_id`, `workflow_name`, `run_id`, `trigger`, `customer_id`, `library_id`,
//! `user_id`, `user_name`, `started`, `document_id` (single) or `document_ids` (multiple),
//! `folder_id` / `folder_ids` when the flow asked for folders (`inferFolderId`), and `form`
//! (the form's values by field id).
//!
//! Outgoing JSON is built in the service because the sender runs here, long after the
//! request that started the run; the schema is handed to the façade as text.

use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::workflows::{Choices, FieldKind, Form, FormValue, TriggerKind, Workflow};
use serde_json::{Map, Value, json};

/// A selected document as the payload names it.
#[derive(Clone, Debug)]
pub(crate) struct Selected {
    /// `ACTIVE!12.3`: the version the run was started on.
    pub id: String,
    /// Its home folder (`ACTIVE!5`).
    pub folder: Option<String>,
    pub workspace: Option<i64>,
    pub class: String,
}

pub(crate) struct Payload<'a> {
    pub workflow: &'a Workflow,
    pub run: &'a str,
    pub customer: i64,
    pub user_id: &'a str,
    pub user_name: &'a str,
    pub selected: &'a [Selected],
    pub started: DateTime<Utc>,
    pub values: &'a [(String, FormValue)],
}

fn value(v: &FormValue) -> Value {
    match v {
        FormValue::Text(t) | FormValue::Choice(t) => json!(t),
        FormValue::Number(n) => json!(n),
        FormValue::Boolean(b) => json!(b),
        FormValue::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
    }
}

/// The payload as JSON text.
pub(crate) fn build(p: &Payload<'_>) -> String {
    let w = p.workflow;
    let mut out = Map::new();
    out.insert("workflow_id".into(), json!(w.id));
    out.insert("workflow_name".into(), json!(w.name));
    out.insert("run_id".into(), json!(p.run));
    out.insert("trigger".into(), json!(w.kind.as_str()));
    out.insert("customer_id".into(), json!(p.customer));
    out.insert("library_id".into(), json!(w.library.as_str()));
    out.insert("user_id".into(), json!(p.user_id));
    out.insert("user_name".into(), json!(p.user_name));
    out.insert(
        "started".into(),
        json!(p.started.to_rfc3339_opts(SecondsFormat::Millis, true)),
    );
    let folder = |s: &Selected| json!(s.folder.clone().unwrap_or_default());
    match w.kind {
        TriggerKind::Single => {
            let first = p.selected.first();
            out.insert(
                "document_id".into(),
                json!(first.map(|s| s.id.clone()).unwrap_or_default()),
            );
            if w.infer_folder {
                out.insert("folder_id".into(), first.map(folder).unwrap_or(json!("")));
            }
        }
        TriggerKind::Multiple => {
            out.insert(
                "document_ids".into(),
                Value::Array(p.selected.iter().map(|s| json!(s.id)).collect()),
            );
            if w.infer_folder {
                out.insert(
                    "folder_ids".into(),
                    Value::Array(p.selected.iter().map(folder).collect()),
                );
            }
        }
    }
    let form: Map<String, Value> = p
        .values
        .iter()
        .map(|(k, v)| (k.clone(), value(v)))
        .collect();
    out.insert("form".into(), Value::Object(form));
    Value::Object(out).to_string()
}

fn text(title: &str, description: &str) -> Value {
    json!({"type": "string", "title": title, "description": description})
}

fn field_schema(f: &dossier_core::workflows::FormField) -> Value {
    let mut s = match f.kind {
        FieldKind::Text => json!({"type": "string"}),
        FieldKind::Number => json!({"type": "number"}),
        FieldKind::Boolean => json!({"type": "boolean"}),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
        FieldKind::Choice => match &f.choices {
            Choices::Listed(c) => json!({"type": "string", "enum": c}),
            _ => json!({"type": "string"}),
        },
    };
    s["title"] = json!(f.label);
    s["description"] = json!(match (&f.kind, &f.choices) {
        (FieldKind::Choice, Choices::Lookup(n)) =>
            format!("{}: an alias of the library's custom{n} lookup", f.label),
        (FieldKind::Date, _) => format!("{} (YYYY-MM-DD)", f.label),
        _ => f.label.clone(),
    });
    s
}

/// The JSON Schema (draft 4 keywords only, as Power Automate's designer reads them) of the
/// payload for this form, trigger and `inferFolderId`, as JSON text.
pub(crate) fn schema(form: &Form, kind: TriggerKind, infer_folder: bool) -> String {
    let mut properties = Map::new();
    let mut required: Vec<&str> = vec![
        "workflow_id",
        "workflow_name",
        "run_id",
        "trigger",
        "customer_id",
        "library_id",
        "user_id",
        "user_name",
        "started",
    ];
    properties.insert(
        "workflow_id".into(),
        text("Workflow ID", "The id of the registered workflow."),
    );
    properties.insert(
        "workflow_name".into(),
        text("Workflow name", "The workflow's display name."),
    );
    properties.insert(
        "run_id".into(),
        text(
            "Run ID",
            "Dossier's id of this run; Update workflow state accepts it as the run id.",
        ),
    );
    properties.insert(
        "trigger".into(),
        json!({"type": "string", "title": "Trigger", "enum": [kind.as_str()],
               "description": "Which trigger started the run."}),
    );
    properties.insert(
        "customer_id".into(),
        json!({"type": "integer", "title": "Customer ID", "description": "The customer of the library."}),
    );
    properties.insert(
        "library_id".into(),
        text("Library ID", "The library of the documents."),
    );
    properties.insert(
        "user_id".into(),
        text("User ID", "The user who started the workflow."),
    );
    properties.insert(
        "user_name".into(),
        text(
            "User name",
            "The full name of the user who started the workflow.",
        ),
    );
    properties.insert(
        "started".into(),
        json!({"type": "string", "format": "date-time", "title": "Started",
               "description": "When the user started the workflow (UTC)."}),
    );
    let id_list = |title: &str, description: &str| {
        json!({"type": "array", "title": title, "description": description,
               "items": {"type": "string"}, "minItems": 2})
    };
    match kind {
        TriggerKind::Single => {
            properties.insert(
                "document_id".into(),
                text(
                    "Document ID",
                    "The selected document, with its version (library!number.version).",
                ),
            );
            required.push("document_id");
            if infer_folder {
                properties.insert(
                    "folder_id".into(),
                    text("Folder ID", "The document's home folder (library!number)."),
                );
                required.push("folder_id");
            }
        }
        TriggerKind::Multiple => {
            properties.insert(
                "document_ids".into(),
                id_list(
                    "Document IDs",
                    "The selected documents, with their versions (library!number.version).",
                ),
            );
            required.push("document_ids");
            if infer_folder {
                properties.insert(
                    "folder_ids".into(),
                    id_list(
                        "Folder IDs",
                        "The home folder of each selected document, in the order of Document IDs.",
                    ),
                );
                required.push("folder_ids");
            }
        }
    }
    let mut form_properties = Map::new();
    let mut form_required = Vec::new();
    for f in &form.fields {
        form_properties.insert(f.id.clone(), field_schema(f));
        if f.required {
            form_required.push(f.id.clone());
        }
    }
    let mut form_schema = json!({
        "type": "object",
        "title": form.name,
        "description": format!("The values of form {} the user filled in.", form.name),
        "properties": form_properties,
        "additionalProperties": false,
    });
    if !form_required.is_empty() {
        form_schema["required"] = json!(form_required);
    }
    properties.insert("form".into(), form_schema);
    required.push("form");
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
    .to_string()
}
