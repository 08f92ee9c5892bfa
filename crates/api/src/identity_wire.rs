//! Wire shapes of users, groups, roles and audit records, shared by the Work API v2 identity
//! endpoints and the v1 user-management API: domain records → JSON (docs/imanage-api.md
//! §3.4–3.7), and JSON bodies → the service's change sets, with a 400 naming any field of
//! the wrong type.

use std::collections::BTreeSet;

use dossier_core::custom::format_timestamp;
use dossier_core::identity::{AuditRecord, Group, Right, Role, User};
use dossier_service::Caller;
use dossier_service::identity::{GroupChanges, Membership, UserChanges};
use serde_json::{Map, Value, json};

use crate::error::ApiError;

fn ts(t: chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(format_timestamp(t))
}

/// A user as the Work API shows it. Lockout state is shown only to administrators.
pub fn user(u: &User, caller: &Caller) -> Value {
    let mut o = json!({
        "id": u.id, "ssid": u.ssid, "full_name": u.full_name,
        "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
        "user_nos": u.user_nos, "is_external": u.is_external, "allow_logon": u.allow_logon,
        "pwd_never_expire": u.pwd_never_expire, "force_password_change": u.force_password_change,
        "has_password": u.has_password(), "pwd_changed_ts": u.pwd_changed_at.map(ts),
        "preferred_library": u.preferred_library, "department": u.department, "title": u.title,
        "phone": u.phone, "user_id_ex": u.user_id_ex, "active": u.active,
        "user_domain": Value::Null, "create_date": ts(u.created_at), "edit_date": ts(u.edited_at),
    });
    if caller.manages_identity()
        && let Some(m) = o.as_object_mut()
    {
        m.insert("is_locked".into(), json!(u.is_locked));
        m.insert("failed_logins".into(), json!(u.failed_logins));
        // Dossier's own: when the last lock after failed sign-ins ends (or ended).
        if let Some(until) = u.signin_locked_until {
            m.insert("signin_locked_until".into(), json!(ts(until)));
        }
    }
    o
}

/// A user seen from one library: adds the per-library number and role.
pub fn library_user(u: &User, m: Option<&Membership>, caller: &Caller) -> Value {
    let mut o = user(u, caller);
    if let (Some(obj), Some(m)) = (o.as_object_mut(), m) {
        obj.insert("user_num".into(), json!(m.user_num));
        obj.insert("database".into(), json!(m.library));
        obj.insert("role".into(), json!(m.role));
    }
    o
}

pub fn membership(m: &Membership, preferred: Option<&str>) -> Value {
    json!({"id": m.library, "library_id": m.library, "user_num": m.user_num, "role": m.role,
           "preferred": preferred.is_some_and(|p| p.eq_ignore_ascii_case(&m.library))})
}

pub fn group(g: &Group) -> Value {
    json!({"id": g.id, "ssid": g.ssid, "full_name": g.full_name, "enabled": g.enabled,
           "is_external": g.is_external, "group_nos": g.group_nos, "group_id_ex": g.group_id_ex,
           "create_date": ts(g.created_at), "edit_date": ts(g.edited_at)})
}

/// A role with iManage's four masks: each `mN_bits` object names every right of that mask
/// with whether the role holds it, and `mN` packs the same as an integer (bit i = the i-th
/// right of the mask in `Right::ALL` order).
pub fn role(r: &Role) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(r.id));
    o.insert("description".into(), json!(r.description));
    o.insert("database".into(), json!(r.library));
    for mask in 1..=4u8 {
        let mut bits = Map::new();
        let mut packed: i64 = 0;
        for (i, right) in Right::ALL.iter().filter(|x| x.mask() == mask).enumerate() {
            let held = r.rights.contains(right);
            bits.insert(right.as_str().into(), json!(held));
            if held {
                packed |= 1 << i;
            }
        }
        o.insert(format!("m{mask}"), json!(packed));
        o.insert(format!("m{mask}_bits"), Value::Object(bits));
    }
    o.insert("is_admin".into(), json!(r.is_admin()));
    Value::Object(o)
}

pub fn audit(a: &AuditRecord) -> Value {
    let detail: Value = serde_json::from_str(&a.detail).unwrap_or(Value::Null);
    json!({"id": a.seq, "date": ts(a.at), "actor": a.actor, "action": a.action, "target": a.target,
           "outcome": a.outcome.as_str(), "address": a.address, "detail": detail,
           "request_id": a.request_id})
}

// ---- request bodies ---------------------------------------------------------------------

fn wrong(field: &str, what: &str) -> ApiError {
    ApiError::invalid(field, format!("{field} must be {what}"))
}

/// A boolean field; iManage clients also send "true"/"false" strings.
pub fn opt_bool(body: &Map<String, Value>, field: &str) -> Result<Option<bool>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(wrong(field, "true or false")),
    }
}

pub fn opt_string(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(field, "a string")),
    }
}

/// A nullable text field: absent → unchanged, null or "" → cleared.
fn nullable(body: &Map<String, Value>, field: &str) -> Result<Option<Option<String>>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(wrong(field, "a string or null")),
    }
}

fn opt_int(body: &Map<String, Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong(field, "an integer")),
    }
}

/// The user fields of a create or PATCH body. Read-only fields (`id`, `ssid`,
/// `has_password`, dates…) and unknown ones are ignored, as iManage clients send them back.
pub fn user_changes(body: &Map<String, Value>) -> Result<UserChanges, ApiError> {
    Ok(UserChanges {
        full_name: opt_string(body, "full_name")?,
        first_name: nullable(body, "first_name")?,
        last_name: nullable(body, "last_name")?,
        email: nullable(body, "email")?,
        password: opt_string(body, "password")?,
        user_nos: opt_int(body, "user_nos")?,
        is_external: opt_bool(body, "is_external")?,
        allow_logon: opt_bool(body, "allow_logon")?,
        is_locked: opt_bool(body, "is_locked")?,
        pwd_never_expire: opt_bool(body, "pwd_never_expire")?,
        force_password_change: opt_bool(body, "force_password_change")?,
        preferred_library: nullable(body, "preferred_library")?,
        department: nullable(body, "department")?,
        title: nullable(body, "title")?,
        phone: nullable(body, "phone")?,
        user_id_ex: nullable(body, "user_id_ex")?,
        active: opt_bool(body, "active")?,
    })
}

pub fn group_changes(body: &Map<String, Value>) -> Result<GroupChanges, ApiError> {
    Ok(GroupChanges {
        full_name: opt_string(body, "full_name")?,
        enabled: opt_bool(body, "enabled")?,
        is_external: opt_bool(body, "is_external")?,
        group_nos: opt_int(body, "group_nos")?,
        group_id_ex: nullable(body, "group_id_ex")?,
    })
}

/// A list of ids: a JSON array of strings (or of numbers, for per-library user numbers).
pub fn id_list(body: &Map<String, Value>, field: &str) -> Result<Vec<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(wrong(&format!("{field}[{i}]"), "a user id")),
            })
            .collect(),
        Some(_) => Err(wrong(field, "a list of ids")),
    }
}

/// Rights from either a `rights` list of names or `mN_bits` objects.
pub fn rights(body: &Map<String, Value>) -> Result<Option<BTreeSet<Right>>, ApiError> {
    if let Some(v) = body.get("rights") {
        let Value::Array(items) = v else {
            return Err(wrong("rights", "a list of right names"));
        };
        let mut out = BTreeSet::new();
        for item in items {
            let name = item.as_str().unwrap_or_default();
            out.insert(
                Right::parse(name).ok_or_else(|| {
                    ApiError::invalid("rights", format!("unknown right '{name}'"))
                })?,
            );
        }
        return Ok(Some(out));
    }
    let mut any = false;
    let mut out = BTreeSet::new();
    for mask in 1..=4u8 {
        let field = format!("m{mask}_bits");
        let Some(v) = body.get(&field) else { continue };
        any = true;
        let Value::Object(bits) = v else {
            return Err(wrong(&field, "an object of right names"));
        };
        for (name, held) in bits {
            let right = Right::parse(name)
                .filter(|r| r.mask() == mask)
                .ok_or_else(|| {
                    ApiError::invalid(&field, format!("unknown right '{name}' in {field}"))
                })?;
            if held
                .as_bool()
                .ok_or_else(|| wrong(&format!("{field}.{name}"), "true or false"))?
            {
                out.insert(right);
            }
        }
    }
    Ok(any.then_some(out))
}
