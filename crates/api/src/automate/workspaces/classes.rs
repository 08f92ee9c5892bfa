//! GetClasses and GetSubclasses: the library's classes and a class's subclasses, filtered
//! as the Work API's class lists filter them (`work::classes::filter`), with the first
//! result as `topMatchingId`/`topMatchingDescription`.

use axum::extract::State;
use axum::response::Response;
use dossier_core::DefaultSecurity;
use dossier_core::classes::{ClassSettings, Subclass};
use dossier_core::model::Class;
use dossier_service::Caller;
use serde_json::{Value, json};

use crate::AppState;
use crate::automate::data;
use crate::automate::error::AutomateResult;
use crate::automate::wire;
use crate::error::ApiError;
use crate::extract::Q;
use crate::work::classes::filter;

/// The swagger offers private, view and public; a class never inherits.
fn check_default_security(q: &Q) -> AutomateResult<()> {
    if let Some(d) = q.text("default_security") {
        ClassSettings::check_default_security(DefaultSecurity::parse("default_security", d)?)?;
    }
    Ok(())
}

fn settings(s: &ClassSettings) -> serde_json::Map<String, Value> {
    let v = json!({
        "default_security": s.default_security.as_str(),
        "hipaa": s.hipaa,
        "retain": s.retain_days,
        "required_fields": s.required_fields.iter().map(|n| format!("custom{n}")).collect::<Vec<_>>(),
        "shadow": s.shadow,
    });
    match v {
        Value::Object(o) => o,
        _ => serde_json::Map::new(),
    }
}

fn class(c: &Class) -> Value {
    let mut o = settings(&c.settings);
    o.insert("id".into(), json!(c.alias));
    o.insert("description".into(), json!(c.description));
    o.insert("indexable".into(), json!(c.settings.indexable));
    o.insert("subclass_required".into(), json!(c.subclass_required));
    Value::Object(o)
}

fn subclass(s: &Subclass) -> Value {
    let mut o = settings(&s.settings);
    o.insert("id".into(), json!(s.alias));
    o.insert("description".into(), json!(s.description));
    o.insert("parent".into(), json!({"id": s.class}));
    Value::Object(o)
}

/// `{topMatchingId, topMatchingDescription, results}`, the top match being the first.
fn listed(results: Vec<Value>) -> Value {
    let mut out = json!({});
    if let Some(first) = results.first() {
        out["topMatchingId"] = first["id"].clone();
        out["topMatchingDescription"] = first["description"].clone();
    }
    out["results"] = Value::Array(results);
    out
}

/// GET /getClasses
pub(super) async fn classes(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let q = q?;
    let library = wire::required(&q, "libraryId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, library)
        .await?;
    check_default_security(&q)?;
    let found = state
        .dossier
        .classes(&caller, &library, &filter(&q)?)
        .await?;
    Ok(data(listed(found.iter().map(class).collect())))
}

/// GET /getSubclasses
pub(super) async fn subclasses(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let q = q?;
    let library = wire::required(&q, "libraryId")?;
    let class = wire::required(&q, "classId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, library)
        .await?;
    check_default_security(&q)?;
    let found = state
        .dossier
        .subclasses(&caller, &library, &class.to_uppercase(), &filter(&q)?)
        .await?;
    Ok(data(listed(found.iter().map(subclass).collect())))
}
