//! The iManage Work API v2. Routes are relative to `/work/api/v2` (also served at
//! `/api/v2` and unprefixed); `L` below is `/customers/{customer}/libraries/{library}`.
//! Creating calls take an `Idempotency-Key` (`once()` below, `crate::idempotency`).

pub mod apps;
pub mod captions;
pub mod catalog;
pub mod classes;
pub mod container_search;
pub mod containers;
pub mod content;
pub mod discovery;
pub mod documents;
pub mod emails;
pub mod filters;
pub mod forms;
pub mod identity;
pub mod matters;
pub mod metadata;
pub mod my_matters;
pub mod recycle;
pub mod sandbox;
pub mod search;
pub mod security;
pub mod templates;
pub mod walls;
pub mod webhooks;
pub mod wire;
pub mod workflows;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use crate::AppState;
use crate::idempotency::idempotent;

pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit =
        DefaultBodyLimit::max(usize::try_from(state.max_upload_bytes).unwrap_or(usize::MAX));
    let l = "/customers/{customer}/libraries/{library}";
    let once = || idempotent(state);
    let uploads = Router::new()
        .route(
            &format!("{l}/folders/{{id}}/documents"),
            post(documents::upload_or_reference)
                .get(documents::folder_documents)
                .layer(once()),
        )
        .route(
            &format!("{l}/documents/{{id}}/versions"),
            post(documents::new_version)
                .get(documents::versions)
                .layer(once()),
        )
        .route(
            &format!("{l}/documents/{{id}}/file"),
            axum::routing::put(documents::replace_file),
        )
        .layer(upload_limit);
    Router::new()
        .route("/customers/{customer}/libraries", get(catalog::libraries))
        .merge(identity_routes("/customers/{customer}", state))
        .merge(identity_routes(l, state))
        .route(
            "/customers/{customer}/users/{uid}/libraries",
            get(identity::user_libraries),
        )
        .route(
            "/customers/{customer}/users/{uid}/libraries/{lib}",
            put(identity::assign_library).delete(identity::leave_library),
        )
        .route(
            "/customers/{customer}/groups/members",
            post(identity::bulk_members),
        )
        .route("/customers/{customer}/audit-log", get(identity::audit_log))
        .route(
            "/customers/{customer}/webhooks",
            get(webhooks::list).post(webhooks::create).layer(once()),
        )
        .route(
            "/customers/{customer}/webhooks/{webhook}",
            get(webhooks::get)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route(
            "/customers/{customer}/webhooks/{webhook}/deliveries",
            get(webhooks::deliveries),
        )
        .route(
            "/customers/{customer}/webhooks/{webhook}/dead-letters",
            get(webhooks::dead_letters),
        )
        .route(
            "/customers/{customer}/webhooks/{webhook}/replay",
            post(webhooks::replay),
        )
        .route(
            "/customers/{customer}/webhook-event-types",
            get(webhooks::event_types),
        )
        .route(
            &format!("{l}/roles"),
            get(identity::list_roles).post(identity::save_role),
        )
        .route(
            &format!("{l}/roles/{{role}}"),
            get(identity::get_role).patch(identity::save_role),
        )
        .route("/customers/{customer}/roles", get(identity::list_roles))
        .route(&format!("{l}/walls"), get(walls::list).post(walls::create))
        .route(
            &format!("{l}/walls/{{wall}}"),
            get(walls::get)
                .put(walls::replace)
                .patch(walls::replace)
                .delete(walls::delete),
        )
        .route(&format!("{l}/walls/{{wall}}/report"), get(walls::report))
        .route(&format!("{l}/access-report"), get(walls::access_report))
        .route(
            "/customers/{customer}/apps",
            get(apps::list).post(apps::create),
        )
        .route(
            "/customers/{customer}/apps/{id}",
            get(apps::get_one).patch(apps::update).delete(apps::revoke),
        )
        .route(
            &format!("{l}/classes"),
            get(classes::list).post(classes::create),
        )
        .route(
            &format!("{l}/classes/{{class}}"),
            get(classes::get_one)
                .patch(classes::update)
                .delete(classes::delete),
        )
        .route(
            &format!("{l}/classes/{{class}}/subclasses"),
            get(classes::subclasses).post(classes::create_subclass),
        )
        .route(
            &format!("{l}/classes/{{class}}/subclasses/{{subclass}}"),
            get(classes::get_subclass)
                .patch(classes::update_subclass)
                .delete(classes::delete_subclass),
        )
        .route(&format!("{l}/captions"), get(captions::list))
        .route(
            &format!("{l}/captions/{{field}}"),
            get(captions::get_one).patch(captions::update),
        )
        .route(&format!("{l}/types"), get(catalog::types))
        .route(
            &format!("{l}/customs/{{field}}"),
            post(catalog::create_lookup)
                .get(catalog::search_lookups)
                .layer(once()),
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
            get(containers::search_workspaces_get)
                .post(containers::create_workspace)
                .layer(once()),
        )
        .route(
            &format!("{l}/templates"),
            get(templates::list).post(templates::create).layer(once()),
        )
        .route(
            &format!("{l}/templates/{{id}}"),
            get(templates::get)
                .patch(templates::update)
                .delete(templates::delete),
        )
        .route(&format!("{l}/sandbox"), post(sandbox::create))
        .route(
            &format!("{l}/matter-settings"),
            get(templates::settings).put(templates::save_settings),
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
            post(containers::create_folder).layer(once()),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/tabs"),
            post(containers::create_tab).layer(once()),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/search-folders"),
            post(containers::create_search_folder).layer(once()),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/name-value-pairs"),
            get(containers::nvps).patch(containers::update_nvps),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/security"),
            get(security::get_container).post(security::post_container),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/users/{{uid}}/security"),
            get(security::user_on_container),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/security/copy"),
            post(security::copy_from_container),
        )
        .route(
            &format!("{l}/containers/{{id}}"),
            get(containers::get_container),
        )
        .route(&format!("{l}/folders"), get(containers::search_folders_get))
        .route(
            &format!("{l}/folders/search"),
            post(containers::search_folders_post).get(containers::search_folders_search_get),
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
            post(containers::create_folder).layer(once()),
        )
        .route(
            &format!("{l}/folders/{{id}}/folders"),
            post(containers::create_folder).layer(once()),
        )
        .route(
            &format!("{l}/folders/{{id}}/search-folders"),
            post(containers::create_search_folder).layer(once()),
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
            get(security::get_container).post(security::post_container),
        )
        .route(
            &format!("{l}/folders/{{id}}/users/{{uid}}/security"),
            get(security::user_on_container),
        )
        .route(
            &format!("{l}/folders/{{id}}/security/copy"),
            post(security::copy_from_container),
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
        .route("/customers/{customer}/documents", get(search::customer_get))
        .route(
            "/customers/{customer}/documents/search",
            post(search::customer_post).get(search::customer_get),
        )
        .route(
            "/customers/{customer}/workspaces",
            get(container_search::customer_get),
        )
        .route(
            "/customers/{customer}/workspaces/search",
            post(container_search::customer_post).get(container_search::customer_get),
        )
        .route(&format!("{l}/search/status"), get(search::status))
        .route(
            &format!("{l}/documents/{{id}}/index-status"),
            get(search::document_status),
        )
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
        .route(&format!("{l}/trash-bin/documents"), get(recycle::list))
        .route(
            &format!("{l}/trash-bin/documents/{{id}}"),
            axum::routing::delete(recycle::purge),
        )
        .route(
            &format!("{l}/trash-bin/documents/{{id}}/restore"),
            post(recycle::restore),
        )
        .route(&format!("{l}/legal-holds"), get(recycle::holds))
        .route(
            &format!("{l}/documents/{{id}}/legal-hold"),
            axum::routing::put(recycle::hold_document).delete(recycle::release_document),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/legal-hold"),
            axum::routing::put(recycle::hold_workspace).delete(recycle::release_workspace),
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
        .route(
            &format!("{l}/documents/{{id}}/copy"),
            post(documents::copy).layer(once()),
        )
        .route(
            &format!("{l}/documents/{{id}}/promote"),
            post(documents::promote),
        )
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
            get(security::get_document).post(security::post_document),
        )
        .route(
            &format!("{l}/documents/{{id}}/users/{{uid}}/security"),
            get(security::user_on_document),
        )
        .route(
            &format!("{l}/documents/{{id}}/security/copy"),
            post(security::copy_from_document),
        )
        .merge(matter_routes(l))
        .merge(metadata::routes(l))
        .merge(workflows::routes(l))
        .merge(uploads)
}

/// Closing matters and each user's My Matters and My Favorites (`matters`, `my_matters`).
fn matter_routes(l: &str) -> Router<AppState> {
    use axum::routing::delete;
    Router::new()
        .route(
            &format!("{l}/workspaces/{{id}}/close"),
            post(matters::close),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/reopen"),
            post(matters::reopen),
        )
        .route(
            &format!("{l}/workspaces/{{id}}/history"),
            get(matters::history),
        )
        .route(
            &format!("{l}/conversations/{{conversation}}"),
            get(emails::conversation),
        )
        .route(
            &format!("{l}/documents/{{id}}/email-copies"),
            get(emails::copies),
        )
        .route(
            &format!("{l}/documents/{{id}}/attachments/{{attachment}}/download"),
            get(emails::attachment),
        )
        .route(
            &format!("{l}/email-settings"),
            get(emails::get_settings).put(emails::put_settings),
        )
        .route(
            &format!("{l}/closing-settings"),
            get(matters::get_settings).put(matters::put_settings),
        )
        .route(
            &format!("{l}/users/{{uid}}/my-matters"),
            get(my_matters::my_matters),
        )
        .route(
            &format!("{l}/users/{{uid}}/my-matters/children"),
            get(my_matters::my_matters_children).post(my_matters::add_to_my_matters),
        )
        .route(
            &format!("{l}/users/{{uid}}/my-matters/children/{{shortcut}}"),
            delete(my_matters::remove_from_my_matters),
        )
        .route(
            &format!("{l}/users/{{uid}}/my-matters/categories"),
            get(my_matters::categories).post(my_matters::create_category),
        )
        .route(
            &format!("{l}/users/{{uid}}/my-matters/categories/{{category}}"),
            delete(my_matters::delete_category),
        )
        .route(
            &format!("{l}/users/{{uid}}/my-matters/categories/{{category}}/children"),
            get(my_matters::my_matters_children).post(my_matters::add_to_my_matters),
        )
        .route(
            &format!("{l}/users/{{uid}}/my-matters/categories/{{category}}/children/{{shortcut}}"),
            delete(my_matters::remove_from_my_matters),
        )
        .route(&format!("{l}/my-favorites"), get(my_matters::my_favorites))
        .route(
            &format!("{l}/my-favorites/children"),
            get(my_matters::my_favorites_children).post(my_matters::add_to_my_favorites),
        )
        .route(
            &format!("{l}/my-favorites/children/{{shortcut}}"),
            delete(my_matters::remove_from_my_favorites),
        )
}

/// Users and groups, the same at the customer level and under a library (`prefix`).
fn identity_routes(prefix: &str, state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            &format!("{prefix}/users"),
            get(identity::list_users)
                .post(identity::create_user)
                .layer(idempotent(state)),
        )
        .route(
            &format!("{prefix}/users/{{uid}}"),
            get(identity::get_user)
                .patch(identity::update_user)
                .delete(identity::delete_user),
        )
        .route(
            &format!("{prefix}/users/{{uid}}/groups"),
            get(identity::user_groups),
        )
        .route(
            &format!("{prefix}/groups"),
            get(identity::list_groups)
                .post(identity::create_group)
                .layer(idempotent(state)),
        )
        .route(
            &format!("{prefix}/groups/{{gid}}"),
            get(identity::get_group)
                .patch(identity::update_group)
                .put(identity::update_group)
                .delete(identity::delete_group),
        )
        .route(
            &format!("{prefix}/groups/{{gid}}/members"),
            get(identity::group_members).put(identity::change_members),
        )
}
