//! `GET /api` and `GET /work/api`: who the caller is and where the v2 API lives.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use dossier_service::Caller;
use serde_json::json;

use crate::AppState;
use crate::error::ApiResult;
use crate::reply;

pub async fn discovery(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let libraries = state.dossier.libraries(&caller, caller.customer_id).await?;
    let base = crate::origin::public_base(&state, &headers);
    let user = state.dossier.user(&caller, "me").await?;
    // The user's own preferred library when it is one they can see, else the first.
    let preferred = user
        .preferred_library
        .as_deref()
        .and_then(|p| {
            libraries
                .iter()
                .find(|l| l.id.as_str().eq_ignore_ascii_case(p))
        })
        .or_else(|| libraries.first())
        .map(|l| l.id.to_string())
        .unwrap_or_default();
    let mut body = json!({
        "auth_status": "authenticated",
        "capabilities": ["oauth"],
        "dms_version": env!("CARGO_PKG_VERSION"),
        "user": {"customer_id": caller.customer_id, "id": caller.user_id, "name": caller.full_name, "email": user.email, "ssid": user.ssid, "user_type": "enterprise", "is_admin": caller.is_admin},
        "versions": [{"name": "v2", "url": format!("{base}/work/api/v2"), "version": "2.1"}],
        "work": {
            "libraries": libraries.iter().map(|l| json!({"alias": l.id.as_str(), "type": "worksite", "status": "ready", "attributes": {"knowledge": false}, "is_classic_client_compatible": true})).collect::<Vec<_>>(),
            "preferred_library": preferred,
        }
    });
    if let Some(app) = &caller.client_id {
        body["app"] = json!({"id": app});
    }
    Ok(reply::data(body))
}
