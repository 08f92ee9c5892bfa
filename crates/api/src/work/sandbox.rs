//! `POST L/sandbox`: a new library with this one's configuration and none of its content.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{InLibrary, JsonObject};
use crate::fields::text;

/// `{"id": "ASTEST", "description": "…"}` → 201 `{"data": {"id", "source", "copied": {…}}}`.
pub async fn create(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let alias = text(&body, "id")?.ok_or_else(|| ApiError::invalid("id", "id is required"))?;
    let description = text(&body, "description")?.unwrap_or_default();
    let c = state
        .dossier
        .create_sandbox(&caller, &library, &alias, &description)
        .await?;
    let body = json!({"data": {
        "id": c.library.as_ref().map(|l| l.as_str()),
        "source": library.as_str(),
        "copied": {"roles": c.roles, "classes": c.classes, "subclasses": c.subclasses,
                   "types": c.types, "lookups": c.lookups, "custom_fields": c.custom_fields,
                   "templates": c.templates, "metadata_properties": c.properties,
                   "taxonomies": c.taxonomies},
    }});
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}
