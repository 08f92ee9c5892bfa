//! The iManage Work API v2. Routes are relative to `/work/api/v2` (also served at
//! `/api/v2`); `L` below is `/customers/{customer}/libraries/{library}`.

pub mod apps;
pub mod catalog;
pub mod containers;
pub mod content;
pub mod discovery;
pub mod documents;
pub mod filters;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit =
        DefaultBodyLimit::max(usize::try_from(state.max_upload_bytes).unwrap_or(usize::MAX));
    let l = "/customers/{customer}/libraries/{library}";
    let uploads = Router::new()
        .route(
            &format!("{l}/folders/{{id}}/documents"),
            post(documents::upload_or_reference).get(documents::folder_documents),
        )
        .route(
            &format!("{l}/documents/{{id}}/versions"),
            post(documents::new_version).get(documents::versions),
        )
        .route(
            &format!("{l}/documents/{{id}}/file"),
            axum::routing::put(documents::replace_file),
        )
        .layer(upload_limit);
    Router::new()
        .route("/customers/{customer}/libraries", get(catalog::libraries))
        .route(
            "/customers/{customer}/apps",
            get(apps::list).post(apps::create),
        )
        .route(
            "/customers/{customer}/apps/{id}",
            get(apps::get_one).patch(apps::update).delete(apps::revoke),
        )
        .route("/customers/{customer}/users/me", get(catalog::me))
        .route(&format!("{l}/users/me"), get(catalog::me))
        .route(&format!("{l}/classes"), get(catalog::classes))
        .route(
            &format!("{l}/classes/{{class}}/subclasses"),
            get(catalog::subclasses),
        )
        .route(&format!("{l}/types"), get(catalog::types))
        .route(
            &format!("{l}/customs/{{field}}"),
            post(catalog::create_lookup).get(catalog::search_lookups),
        )
        .route(
            &format!("{l}/customs/{{field}}/search"),
            get(catalog::search_lookups),
        )
        .route(
            &format!("{l}/customs/{{field}}/{{alias}}"),
            get(catalog::get_lookup)
                .patch(catalog::update_lookup)
                .delete(catalog::delete_lookup),
        )
        .route(&format!("{l}/change-events"), get(catalog::change_events))
        .route(
            &format!("{l}/workspaces"),
            get(containers::search_workspaces_get).post(containers::create_workspace),
        )
        .route(
            &format!("{l}/workspaces/search"),
            post(containers::search_workspaces_post).get(containers::search_workspaces_get),
        )
        .route(
            &format!("{l}/workspaces/{{id}}"),
            get(containers::get_workspace)
                .patch(containers::update_workspace)
                .delete(containers::delete_workspace),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/children"),
            get(containers::children),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/folders"),
            post(containers::create_folder),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/tabs"),
            post(containers::create_tab),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/search-folders"),
            post(containers::create_search_folder),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/name-value-pairs"),
            get(containers::nvps).patch(containers::update_nvps),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/security"),
            get(containers::trustees),
        )
        .route(
            &format!("{l}/containers/{{id}}"),
            get(containers::get_container),
        )
        .route(&format!("{l}/folders"), get(containers::search_folders_get))
        .route(
            &format!("{l}/folders/search"),
            post(containers::search_folders_post),
        )
        .route(
            &format!("{l}/folders/{{id}}"),
            get(containers::get_folder)
                .patch(containers::update_folder)
                .delete(containers::delete_folder),
        )
        .route(
            &format!("{l}/folders/{{id}}/children"),
            get(containers::children),
        )
        .route(
            &format!("{l}/folders/{{id}}/subfolders"),
            post(containers::create_folder),
        )
        .route(
            &format!("{l}/folders/{{id}}/folders"),
            post(containers::create_folder),
        )
        .route(
            &format!("{l}/folders/{{id}}/search-folders"),
            post(containers::create_search_folder),
        )
        .route(
            &format!("{l}/folders/{{id}}/move"),
            post(containers::move_folder),
        )
        .route(&format!("{l}/folders/{{id}}/path"), get(containers::path))
        .route(
            &format!("{l}/folders/{{id}}/name-value-pairs"),
            get(containers::nvps).patch(containers::update_nvps),
        )
        .route(
            &format!("{l}/folders/{{id}}/security"),
            get(containers::trustees),
        )
        .route(
            &format!("{l}/folders/{{folder}}/documents/{{id}}/move"),
            post(documents::move_document),
        )
        .route(
            &format!("{l}/folders/{{folder}}/documents/{{id}}"),
            axum::routing::delete(documents::remove_reference),
        )
        .route(&format!("{l}/documents"), get(documents::search_get))
        .route(
            &format!("{l}/documents/search"),
            post(documents::search_post).get(documents::search_get),
        )
        .route(
            &format!("{l}/documents/{{id}}"),
            get(documents::get)
                .patch(documents::update)
                .delete(documents::delete),
        )
        .route(
            &format!("{l}/documents/{{id}}/download"),
            get(documents::download),
        )
        .route(
            &format!("{l}/documents/{{id}}/download/{{file_name}}"),
            get(documents::download),
        )
        .route(
            &format!("{l}/documents/{{id}}/lock"),
            post(documents::lock).delete(documents::unlock),
        )
        .route(
            &format!("{l}/documents/{{id}}/checkout"),
            post(documents::checkout).get(documents::checkout_info),
        )
        .route(&format!("{l}/documents/{{id}}/copy"), post(documents::copy))
        .route(
            &format!("{l}/documents/{{id}}/history"),
            get(documents::history).post(documents::add_history),
        )
        .route(&format!("{l}/documents/{{id}}/path"), get(documents::path))
        .route(
            &format!("{l}/documents/{{id}}/name-value-pairs"),
            get(documents::nvps).patch(documents::update_nvps),
        )
        .route(
            &format!("{l}/documents/{{id}}/operations"),
            get(documents::operations),
        )
        .route(
            &format!("{l}/documents/{{id}}/security"),
            get(documents::trustees),
        )
        .merge(uploads)
}
