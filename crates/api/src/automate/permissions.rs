//! Security: trustees, default security, permissions read, changed and copied. An object is
//! addressed as the connectors address it, by `objectType` and `objectId` (`object`); each
//! operation reads or changes it through the security use cases the Work API's
//! `…/security` endpoints use, and answers the swagger's `AccessPermissions` rows with the
//! trustees' names and states.

mod object;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use dossier_core::identity::normalize_id;
use dossier_core::model::{Trustee, TrusteeType};
use dossier_core::{AccessLevel, DefaultSecurity};
use dossier_service::Caller;
use dossier_service::security::{CopyMode, SecurityChange, SecurityView};
use dossier_service::trustees::{TrusteeProfile, TrusteeState};
use serde_json::{Value, json};

pub(crate) use self::object::{Addressed, renamed};
use super::data;
use super::error::{AutomateError, AutomateResult};
use super::wire::{required_text, semicolons};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::fields::{Obj, flag};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/getTrustees", post(get_trustees))
        .route("/getPermissions", post(get_permissions))
        .route("/updateDefaultSecurity", post(update_default_security))
        .route("/updatePermissions", post(update_permissions))
        .route("/copyPermissions", post(copy_permissions))
}

/// POST /getTrustees: who is on the object's governing ACL, with their names.
async fn get_trustees(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let object = Addressed::read(&body, "objectType", "objectId")?;
    let (_, profiles) = object.security(&state, &caller).await?;
    let listed = profiles
        .iter()
        .map(|p| {
            json!({
                "id": p.trustee.id,
                "full_name": p.full_name,
                "ssid": p.ssid,
                "type": p.trustee.trustee_type.as_str(),
            })
        })
        .collect();
    Ok(data(Value::Array(listed)))
}

/// POST /getPermissions: default security (and, when inheriting, what it inherits), the
/// ACL, and the ACL's user and group ids joined by semicolons.
async fn get_permissions(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let object = Addressed::read(&body, "objectType", "objectId")?;
    let (view, profiles) = object.security(&state, &caller).await?;
    let mut out = permissions(&view, &profiles);
    if view.default_security == DefaultSecurity::Inherit {
        out["inherited_default_security"] = json!(view.effective_default_security.as_str());
    }
    Ok(data(out))
}

/// POST /updateDefaultSecurity: one of the values GetAllowedDefaultSecurity offers for the
/// object's type; answers the default security and the ACL.
async fn update_default_security(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let object = Addressed::read(&body, "objectType", "objectId")?;
    let raw = required_text(&body, "default_security")?;
    let wanted = DefaultSecurity::parse("default_security", &raw)?;
    // The picker's rule, so a value it never offers is refused here by name, not deeper.
    if !DefaultSecurity::allowed_on(object.kind()).contains(&wanted) {
        return Err(AutomateError::invalid(
            "default_security",
            format!("a {} cannot take '{raw}'", object.type_name()),
        ));
    }
    let change = SecurityChange {
        default_security: Some(wanted),
        ..SecurityChange::default()
    };
    object.change_security(&state, &caller, change).await?;
    let (view, profiles) = object.security(&state, &caller).await?;
    let out = permissions(&view, &profiles);
    Ok(data(json!({
        "default_security": out["default_security"],
        "acl": out["acl"],
    })))
}

/// What UpdatePermissions does to the trustees it names.
enum Grant {
    Set(AccessLevel),
    Remove,
}

impl Grant {
    /// `access_level` as the swagger lists it: a level's display name, or "Remove".
    fn read(raw: &str) -> AutomateResult<Grant> {
        if raw == "Remove" {
            return Ok(Grant::Remove);
        }
        AccessLevel::ALL
            .into_iter()
            .find(|l| l.display_name() == raw)
            .map(Grant::Set)
            .ok_or_else(|| {
                AutomateError::invalid("access_level", format!("'{raw}' is not one of {LEVELS}"))
            })
    }
}

const LEVELS: &str = "No Access, Read Only, Read/Write, Full Access, Remove";

/// POST /updatePermissions: gives the `users` and `groups` (semicolon lists) the access
/// level, or takes them off the ACL with "Remove".
async fn update_permissions(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let object = Addressed::read(&body, "objectType", "objectId")?;
    let grant = Grant::read(&required_text(&body, "access_level")?)?;
    let named = [("users", TrusteeType::User), ("groups", TrusteeType::Group)]
        .into_iter()
        .map(|(field, kind)| Ok((kind, trustee_ids(&body, field)?)))
        .collect::<AutomateResult<Vec<_>>>()?;
    if named.iter().all(|(_, ids)| ids.is_empty()) {
        // An object the caller may not read is not found, whatever else the request lacks.
        object.security(&state, &caller).await?;
        return Err(AutomateError::invalid(
            "users",
            "name at least one user or group (users, groups)",
        ));
    }
    let mut change = SecurityChange::default();
    for (kind, ids) in named {
        for id in ids {
            match grant {
                Grant::Set(access) => change.include.push(Trustee {
                    trustee_type: kind.clone(),
                    id,
                    access,
                }),
                Grant::Remove => change.remove.push((kind.clone(), id)),
            }
        }
    }
    object.change_security(&state, &caller, change).await?;
    let (view, profiles) = object.security(&state, &caller).await?;
    Ok(data(permissions(&view, &profiles)))
}

/// POST /copyPermissions: the source's ACL (and default security, with
/// `copyDefaultSecurity`) onto the target. "Overwrite": the target's ACL becomes the
/// source's. "Merge (Pessimistic)": both ACLs, the lower level where both name a trustee;
/// "Merge (Optimistic)": the higher. An inheriting source gives what it inherits. Answers
/// the target's permissions.
async fn copy_permissions(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let source = Addressed::read(&body, "sourceObjectType", "sourceObjectId")?;
    let target = Addressed::read(&body, "targetObjectType", "targetObjectId")?;
    let raw = required_text(&body, "copyType")?;
    let mode = CopyMode::ALL
        .into_iter()
        .find(|m| m.display_name() == raw)
        .ok_or_else(|| {
            AutomateError::invalid(
                "copyType",
                format!("'{raw}' is not one of Overwrite, Merge (Pessimistic), Merge (Optimistic)"),
            )
        })?;
    let with_default = flag(&body, "copyDefaultSecurity")?.ok_or_else(|| {
        AutomateError::invalid("copyDefaultSecurity", "copyDefaultSecurity is required")
    })?;
    // Each address names an object of its type (404 otherwise); the copy then checks read
    // on the source and security rights on the target, all in one transaction.
    source.check_type(&state, &caller).await?;
    target.check_type(&state, &caller).await?;
    state
        .dossier
        .copy_security(
            &caller,
            source.object(),
            &[target.object()],
            mode,
            with_default,
        )
        .await?;
    let (view, profiles) = target.security(&state, &caller).await?;
    Ok(data(permissions(&view, &profiles)))
}

/// A semicolon list of user or group ids, each checked as an id.
fn trustee_ids(body: &Obj, field: &str) -> AutomateResult<Vec<String>> {
    match crate::fields::text(body, field)? {
        None => Ok(Vec::new()),
        Some(raw) => semicolons(&raw)
            .iter()
            .map(|id| Ok(normalize_id(field, id)?))
            .collect(),
    }
}

/// `UpdatePermissionsResponse.data`: `default_security`, `acl`, `all_user_ids`,
/// `all_group_ids`.
fn permissions(view: &SecurityView, profiles: &[TrusteeProfile]) -> Value {
    let ids = |kind: TrusteeType| {
        profiles
            .iter()
            .filter(|p| p.trustee.trustee_type == kind)
            .map(|p| p.trustee.id.as_str())
            .collect::<Vec<_>>()
            .join(";")
    };
    json!({
        "default_security": view.default_security.as_str(),
        "acl": profiles.iter().map(access_permission).collect::<Vec<_>>(),
        "all_user_ids": ids(TrusteeType::User),
        "all_group_ids": ids(TrusteeType::Group),
    })
}

/// One `AccessPermissions` row: `allow_logon` for a user; `enabled` and
/// `has_restricted_member` (an ethical wall shuts a member out of the object) for a group.
fn access_permission(p: &TrusteeProfile) -> Value {
    let level = p.trustee.access;
    let mut row = json!({
        "id": p.trustee.id,
        "name": p.full_name,
        "sid": p.ssid,
        "type": p.trustee.trustee_type.as_str(),
        "access_level": level.as_str(),
        "access_level_display_name": level.display_name(),
        "access": level.number(),
        "is_external": p.is_external,
    });
    match p.state {
        TrusteeState::User { allow_logon } => row["allow_logon"] = json!(allow_logon),
        TrusteeState::Group {
            enabled,
            has_restricted_member,
        } => {
            row["enabled"] = json!(enabled);
            row["has_restricted_member"] = json!(has_restricted_member);
        }
    }
    row
}
