//! Workspaces, folders, tabs and classes: create from a template, update, profile, search;
//! folder search; the admin connector's folders and tabs; classes and subclasses.
//!
//! The connectors' request bodies are closed (`additionalProperties: false`), so a field
//! the swagger does not define is refused by name rather than ignored; their profile fields
//! are then read by the Work API's readers (`work::wire`), after `automate::wire::work_body`
//! has turned the connectors' clearing sentinel into the Work API's `null`.

mod classes;
mod folders;
mod matters;
mod render;

use axum::Router;
use axum::routing::{get, post};
use dossier_core::LibraryId;
use dossier_core::custom::CUSTOM_COUNT;
use dossier_core::model::Container;
use dossier_core::query::Page;
use dossier_service::Caller;
use dossier_service::search::containers::ContainerSearchKind;
use serde_json::Value;

use super::error::{AutomateError, AutomateResult};
use super::wire::is_clear;
use crate::AppState;
use crate::extract::Q;
use crate::fields::Obj;
use crate::work::container_search;
use crate::work::filters::container_filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/createWorkspace", post(matters::create))
        .route("/updateWorkspace", post(matters::update))
        .route("/getWorkspaceProfile", post(matters::profile))
        .route("/searchWorkspaces", post(matters::search))
        .route("/searchFolders", post(folders::search))
        .route("/getClasses", get(classes::classes))
        .route("/getSubclasses", get(classes::subclasses))
        .route("/addFolder", post(folders::add_folder))
        .route("/addTab", post(folders::add_tab))
        .route("/getEmailOptions", get(folders::email_options))
        .route(
            "/getAddFolderPropertiesSchema",
            get(folders::properties_schema),
        )
}

/// `customN`, a profile's custom fields.
fn is_custom(key: &str) -> bool {
    key.strip_prefix("custom")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| (1..=CUSTOM_COUNT).contains(&n))
}

/// Which bodies take `custom1`…`custom30` beside their named fields.
const CUSTOMS: bool = true;

/// Refuses a field the operation's body does not define.
fn accept_only(body: &Obj, named: &[&str], customs: bool) -> AutomateResult<()> {
    accept_only_with(body, named, |k| customs && is_custom(k))
}

fn accept_only_with(body: &Obj, named: &[&str], also: impl Fn(&str) -> bool) -> AutomateResult<()> {
    match body
        .keys()
        .find(|k| !named.contains(&k.as_str()) && !also(k))
    {
        Some(k) => Err(AutomateError::invalid(
            k,
            format!("{k} is not a field of this operation"),
        )),
        None => Ok(()),
    }
}

/// A text field of at most `max` characters (the swagger's `maxLength`).
fn max_len(body: &Obj, field: &str, max: usize) -> AutomateResult<()> {
    if let Some(Value::String(s)) = body.get(field)
        && s.chars().count() > max
    {
        return Err(AutomateError::invalid(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// Fields an object cannot be without: the clearing sentinel on one is refused.
fn not_clearable(body: &Obj, fields: &[&str]) -> AutomateResult<()> {
    for f in fields {
        if let Some(Value::String(s)) = body.get(*f)
            && is_clear(s)
        {
            return Err(AutomateError::invalid(f, format!("{f} cannot be cleared")));
        }
    }
    Ok(())
}

/// The field of the connector's profile Dossier does not keep: `is_external_as_normal:
/// true` (Dossier treats external users alike everywhere). Refused by name when a flow sets
/// it, so no value is silently dropped; `false` is what Dossier holds.
fn unkept(body: &Obj) -> AutomateResult<()> {
    if crate::fields::flag(body, "is_external_as_normal")? == Some(true) {
        return Err(AutomateError::invalid(
            "is_external_as_normal",
            "external users are never treated as normal users on this server",
        ));
    }
    Ok(())
}

/// Results one connector search returns: the Work API's largest page. The connectors do not
/// page (the swagger has no offset or cursor).
const SEARCH_CAP: i64 = 500;

/// A workspace or folder search of one library with the filters of a connector body, read
/// by the Work API's search readers, in the index when only it can answer (`anywhere`,
/// ranges), else in the database, as `GET L/workspaces` and `GET L/folders` decide.
async fn search_query(
    state: &AppState,
    caller: &Caller,
    library: &LibraryId,
    filters: &Obj,
    kind: ContainerSearchKind,
) -> AutomateResult<Vec<Container>> {
    let mut q = Q(std::collections::HashMap::new());
    for (k, v) in filters {
        let text = match v {
            Value::Null => continue,
            Value::String(s) if s.trim().is_empty() => continue,
            Value::String(s) => s.trim().to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(AutomateError::invalid(
                    k,
                    format!("{k} must be a single value"),
                ));
            }
        };
        q.0.insert(k.clone(), text);
    }
    q.0.insert("limit".into(), SEARCH_CAP.to_string());
    let libraries = [library.clone()];
    let indexed = container_search::read(state, caller, &libraries, &q, kind).await?;
    if indexed.query.needs_index(indexed.order, &indexed.options) {
        let page = state
            .dossier
            .search_containers_indexed(caller, &libraries, &indexed.query, &indexed.options)
            .await?;
        return Ok(page.hits.into_iter().map(|h| h.container).collect());
    }
    let filter = container_filter(&q, kind.kinds())?;
    let page = Page {
        limit: SEARCH_CAP,
        ..Page::default()
    };
    let (found, _) = state
        .dossier
        .search_containers(caller, library, &filter, page)
        .await?;
    Ok(found)
}
