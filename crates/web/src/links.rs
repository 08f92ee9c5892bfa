//! The addresses the APIs hand out for an object (`/work/link/d/ACTIVE!12`, the iManage
//! link form the connectors' `link` fields carry) open its page. The page checks access;
//! a link to something the user may not read ends on the same "not found" page as a link
//! to nothing.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use crate::page;

pub async fn follow(Path((kind, id)): Path<(String, String)>) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    // `!` is safe in a path; keep ids readable.
    let id = encoded.replace("%21", "!");
    match kind.as_str() {
        "d" => Redirect::to(&format!("/documents/{id}")).into_response(),
        "w" => Redirect::to(&format!("/workspaces/{id}")).into_response(),
        "f" | "t" => Redirect::to(&format!("/folders/{id}")).into_response(),
        _ => page::not_found(),
    }
}
