//! SearchFolders (the Work API's folder search) and the admin connector's AddFolder, AddTab,
//! GetEmailOptions and GetAddFolderPropertiesSchema (the Work API's `create_child`, and the
//! library's custom field definitions as a form).

use axum::extract::State;
use axum::response::Response;
use dossier_core::CustomKind;
use dossier_core::changes::FolderEmail;
use dossier_core::custom::CUSTOM_COUNT;
use dossier_core::limits::{ALIAS_MAX, CUSTOM_TEXT_MAX};
use dossier_core::model::{Container, ContainerKind};
use dossier_service::Caller;
use dossier_service::search::containers::ContainerSearchKind;
use serde_json::{Map, Value, json};

use super::render::Context;
use super::{accept_only, is_custom, max_len, search_query, unkept};
use crate::AppState;
use crate::automate::admin::Admin;
use crate::automate::data;
use crate::automate::error::{AutomateError, AutomateResult};
use crate::automate::links::Links;
use crate::automate::wire::{self, work_body};
use crate::error::ApiError;
use crate::extract::{JsonObject, Q};
use crate::fields::Obj;
use crate::work::wire::{NestedProfile, custom_json, new_container};

const ANY: &[ContainerKind] = &[
    ContainerKind::Workspace,
    ContainerKind::Folder,
    ContainerKind::Tab,
    ContainerKind::SearchFolder,
];

/// Owners are user ids of at most 63 characters in the connector's schema; a class or
/// subclass alias at most 32.
const OWNER_MAX: usize = 63;
const CLASS_MAX: usize = 32;

const SEARCH_FIELDS: [&str; 7] = [
    "libraryId",
    "container_id",
    "description",
    "email",
    "name",
    "owner",
    "workspace_name",
];

/// SearchFolders' filters the swagger documents as partial matches. `name` keeps the Work
/// API's rule (the whole name, or a `*` pattern): its container query matches names whole.
const PARTIAL: [&str; 3] = ["description", "owner", "workspace_name"];

/// POST /searchFolders: folders, tabs and search folders of a library, or directly under
/// `container_id`, matched as the Work API's folder search matches them.
pub(super) async fn search(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = body?;
    accept_only(&body, &SEARCH_FIELDS, false)?;
    let library = wire::required_text(&body, "libraryId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, &library)
        .await?;
    if crate::fields::text(&body, "container_id")?.is_some_and(|c| !c.trim().is_empty()) {
        let id = wire::container_id(&body, "container_id")?;
        if id.library != library {
            return Err(AutomateError::invalid(
                "container_id",
                format!("{id} is not in library {library}"),
            ));
        }
        // A container the caller may not read is unknown to them: 404, not an empty list.
        state.dossier.container(&caller, &id, ANY).await?;
    }
    let mut filters = body.clone();
    filters.remove("libraryId");
    // The swagger promises partial matches on these; the Work API matches a whole value
    // or a `*` pattern, so a value without a `*` is looked for anywhere in the field.
    for field in PARTIAL {
        if let Some(Value::String(v)) = filters.get_mut(field)
            && !v.trim().is_empty()
            && !v.contains('*')
        {
            *v = format!("*{}*", v.trim());
        }
    }
    let found = search_query(
        &state,
        &caller,
        &library,
        &filters,
        ContainerSearchKind::Folders,
    )
    .await?;
    let mut cx = Context::new(&state, &caller, links);
    let mut results = Vec::new();
    for f in &found {
        results.push(Value::Object(cx.folder(f).await?));
    }
    let mut out = json!({});
    if let Some(first) = results.first() {
        out["topMatchingId"] = first["id"].clone();
        out["topMatchingName"] = first["name"].clone();
    }
    out["results"] = Value::Array(results);
    Ok(data(out))
}

/// The parent a folder or tab is added under, read (404 when the caller may not) and of
/// the kind the request says.
async fn parent(
    state: &AppState,
    caller: &Caller,
    body: &Obj,
    allowed: &[(&str, ContainerKind)],
    type_field: Option<&str>,
) -> AutomateResult<Container> {
    let id = wire::container_id(body, "parentId")?;
    let expected = match type_field {
        Some(field) => {
            let t = wire::required_text(body, field)?;
            let kind = allowed
                .iter()
                .find(|(name, _)| *name == t)
                .map(|(_, k)| *k)
                .ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                    AutomateError::invalid(
                        field,
                        format!("'{t}' is not one of {}", names.join(", ")),
                    )
                })?;
            Some(kind)
        }
        None => None,
    };
    let p = state.dossier.container(caller, &id, ANY).await?;
    let fits = match expected {
        Some(k) => p.kind == k,
        None => allowed.iter().any(|(_, k)| *k == p.kind),
    };
    if !fits {
        return Err(AutomateError::invalid(
            type_field.unwrap_or("parentId"),
            format!("{id} is not a {}", allowed_names(allowed, expected)),
        ));
    }
    Ok(p)
}

fn allowed_names(allowed: &[(&str, ContainerKind)], expected: Option<ContainerKind>) -> String {
    allowed
        .iter()
        .filter(|(_, k)| expected.is_none_or(|e| e == *k))
        .map(|(n, _)| n.to_lowercase())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `inherit_profile_from_workspace`: "Yes" or "No".
fn inherit_choice(raw: &str, field: &str) -> AutomateResult<bool> {
    match raw {
        "Yes" => Ok(true),
        "No" => Ok(false),
        other => Err(AutomateError::invalid(
            field,
            format!("'{other}' is not one of Yes, No"),
        )),
    }
}

/// The option GetEmailOptions offers: the server makes the folder's address prefix
/// (`FolderEmail::Generated`, unique by construction). "Enter custom value" is the other way.
pub(super) const GENERATED_EMAIL: &str = "Automatically generate";

/// The folder address the connector sends: the generated option, or a prefix of letters,
/// digits, `.`, `_` and `-`.
fn email_prefix(body: &Obj) -> AutomateResult<Option<FolderEmail>> {
    let Some(e) = crate::fields::text(body, "email")?
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
    else {
        return Ok(None);
    };
    if e.eq_ignore_ascii_case(GENERATED_EMAIL) {
        return Ok(Some(FolderEmail::Generated));
    }
    if !e
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AutomateError::invalid(
            "email",
            "an email prefix takes letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(Some(FolderEmail::Prefix(e)))
}

const ADD_FOLDER_FIELDS: [&str; 12] = [
    "name",
    "parentId",
    "parentType",
    "default_security",
    "description",
    "email",
    "owner",
    "class",
    "subclass",
    "is_external_as_normal",
    "inherit_profile_from_workspace",
    "profileProperties",
];

/// POST /addFolder (admin connector): a folder under a workspace, tab or folder. The
/// profile documents filed in it get: the workspace's custom values when
/// `inherit_profile_from_workspace` is "Yes", with `profileProperties` over them, or only
/// `profileProperties` when "No"; `class` and `subclass` join that profile.
pub(super) async fn add_folder(
    State(state): State<AppState>,
    Admin(caller): Admin,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let JsonObject(body) = body?;
    accept_only(&body, &ADD_FOLDER_FIELDS, false)?;
    wire::required_text(&body, "name")?;
    wire::required_text(&body, "default_security")?;
    let inherit = inherit_choice(
        &wire::required_text(&body, "inherit_profile_from_workspace")?,
        "inherit_profile_from_workspace",
    )?;
    max_len(&body, "owner", OWNER_MAX)?;
    max_len(&body, "class", CLASS_MAX)?;
    max_len(&body, "subclass", CLASS_MAX)?;
    unkept(&body)?;
    let email = email_prefix(&body)?;
    let properties = match body.get("profileProperties") {
        None | Some(Value::Null) => Obj::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => {
            return Err(AutomateError::invalid(
                "profileProperties",
                "profileProperties must be an object",
            ));
        }
    };
    if let Some(k) = properties.keys().find(|k| !is_custom(k)) {
        return Err(AutomateError::invalid(
            "profileProperties",
            format!("{k} is not a custom field (custom1 … custom{CUSTOM_COUNT})"),
        ));
    }
    let parent = parent(
        &state,
        &caller,
        &body,
        &[
            ("Folder", ContainerKind::Folder),
            ("Workspace", ContainerKind::Workspace),
            ("Tab", ContainerKind::Tab),
        ],
        Some("parentType"),
    )
    .await?;
    let mut profile = Obj::new();
    if inherit {
        let workspace = dossier_core::ContainerId::new(parent.id.library.clone(), parent.workspace);
        let w = state
            .dossier
            .container(&caller, &workspace, &[ContainerKind::Workspace])
            .await?;
        for n in 1..=CUSTOM_COUNT {
            if let Some(v) = w.customs.get(n) {
                profile.insert(format!("custom{n}"), custom_json(v));
            }
        }
    }
    profile.extend(work_body(&properties));
    for k in ["class", "subclass"] {
        if let Some(v) = body.get(k) {
            profile.insert(k.into(), v.clone());
        }
    }
    let mut folder = work_body(&body);
    for k in [
        "parentId",
        "parentType",
        "inherit_profile_from_workspace",
        "profileProperties",
        "is_external_as_normal",
        "class",
        "subclass",
        "email",
    ] {
        folder.remove(k);
    }
    folder.insert("profile".into(), Value::Object(work_body(&profile)));
    let mut new = new_container(&folder, NestedProfile::DocumentDefaults)?;
    new.changes.email = email;
    let f = state
        .dossier
        .create_child(&caller, &parent.id, ContainerKind::Folder, new)
        .await?;
    let mut cx = Context::new(&state, &caller, links);
    Ok(data(cx.new_folder(&f).await?))
}

const ADD_TAB_FIELDS: [&str; 5] = [
    "name",
    "parentId",
    "default_security",
    "description",
    "owner",
];

/// POST /addTab (admin connector): a tab of a workspace.
pub(super) async fn add_tab(
    State(state): State<AppState>,
    Admin(caller): Admin,
    links: Links,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let JsonObject(body) = body?;
    accept_only(&body, &ADD_TAB_FIELDS, false)?;
    wire::required_text(&body, "name")?;
    wire::required_text(&body, "default_security")?;
    max_len(&body, "owner", OWNER_MAX)?;
    let parent = parent(
        &state,
        &caller,
        &body,
        &[("Workspace", ContainerKind::Workspace)],
        None,
    )
    .await?;
    let mut tab = work_body(&body);
    tab.remove("parentId");
    let new = new_container(&tab, NestedProfile::DocumentDefaults)?;
    let t = state
        .dossier
        .create_child(&caller, &parent.id, ContainerKind::Tab, new)
        .await?;
    let mut cx = Context::new(&state, &caller, links);
    Ok(data(cx.new_tab(&t).await?))
}

/// GET /getEmailOptions (admin connector): the ways AddFolder's `email` may be given
/// besides Power Automate's own "Enter custom value" (a prefix the flow names): the
/// server generating the prefix, `<library>-<number>` of the new folder.
pub(super) async fn email_options(Admin(_caller): Admin) -> AutomateResult<Response> {
    Ok(data(json!([GENERATED_EMAIL])))
}

/// GET /getAddFolderPropertiesSchema (admin connector): the form of AddFolder's
/// `profileProperties`, built from the custom field definitions of the caller's preferred
/// library (the operation names no library; a flow's folders are most often in it), else
/// the first library the caller may use. Each enabled field is a property titled with its
/// caption (`x-ms-summary`), typed as the field is.
pub(super) async fn properties_schema(
    State(state): State<AppState>,
    Admin(caller): Admin,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let q = q?;
    let field = "inherit_profile_from_workspace";
    let inherit = inherit_choice(wire::required(&q, field)?, field)?;
    let library = crate::automate::home_library(&state, &caller).await?;
    let definitions = state.dossier.custom_fields(&caller, &library).await?;
    let mut properties = Map::new();
    for d in definitions.all().iter().filter(|d| d.enabled) {
        let n = d.field;
        let title = if d.caption.trim().is_empty() {
            format!("Custom{n}")
        } else {
            d.caption.clone()
        };
        let description = if inherit {
            format!("{title} of the folder's profile; left empty, the workspace's value")
        } else {
            format!("{title} of the folder's profile")
        };
        let mut p = match CustomKind::of(n) {
            CustomKind::Lookup => json!({"type": "string", "maxLength": ALIAS_MAX}),
            CustomKind::Text => json!({"type": "string", "maxLength": CUSTOM_TEXT_MAX}),
            CustomKind::Number => json!({"type": "number", "format": "double"}),
            CustomKind::Timestamp => json!({"type": "string", "format": "date-time"}),
            CustomKind::Boolean => json!({"type": "boolean"}),
        };
        p["x-ms-summary"] = json!(title);
        p["description"] = json!(description);
        properties.insert(format!("custom{n}"), p);
    }
    Ok(data(json!({"type": "object", "properties": properties})))
}
