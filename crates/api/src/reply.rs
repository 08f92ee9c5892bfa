//! The response envelopes of the Work API (docs/imanage-api.md §4.3).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// `{"data": value}`
pub fn data(value: Value) -> Response {
    Json(json!({ "data": value })).into_response()
}

/// `201 {"data": value}`
pub fn created(value: Value) -> Response {
    (StatusCode::CREATED, Json(json!({ "data": value }))).into_response()
}

/// A bare list: `{"data": [...], "total_count"?, "cursor"?}` (children, versions, history…).
pub fn list(items: Vec<Value>, total: Option<i64>, cursor: Option<String>) -> Response {
    let mut o = Map::new();
    o.insert("data".into(), Value::Array(items));
    if let Some(t) = total {
        o.insert("total_count".into(), json!(t));
    }
    if let Some(c) = cursor {
        o.insert("cursor".into(), json!(c));
    }
    Json(Value::Object(o)).into_response()
}

/// A GET search: `{"data": {"results": [...]}, "total_count"?, "cursor"?}`.
pub fn results(items: Vec<Value>, total: Option<i64>, cursor: Option<String>) -> Response {
    let mut o = Map::new();
    o.insert("data".into(), json!({ "results": items }));
    if let Some(t) = total {
        o.insert("total_count".into(), json!(t));
    }
    if let Some(c) = cursor {
        o.insert("cursor".into(), json!(c));
    }
    Json(Value::Object(o)).into_response()
}

/// A POST search: `{"data": [...], "overflow": bool}`.
pub fn search(items: Vec<Value>, overflow: bool) -> Response {
    Json(json!({ "data": items, "overflow": overflow })).into_response()
}
