//! User and Group resources: domain records to SCIM JSON (RFC 7643 §4) and SCIM JSON back
//! to the service's change sets. The JSON built here is the *full* resource, every
//! attribute Dossier keeps; `query::project` cuts it down to what a response returns.

use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::identity::{Group, USER_NOS_ENTERPRISE, User};
use dossier_service::identity::{GroupChanges, UserChanges};
use serde_json::{Map, Value, json};

use super::error::{ScimError, ScimResult};
use super::filter::get_ci;
use super::http::etag;
use super::schema::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

/// A group a user belongs to, or a user in a group: its SCIM id and display name.
#[derive(Clone, Debug)]
pub struct Link {
    pub ssid: String,
    pub display: String,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn meta(
    kind: &str,
    location: String,
    created: DateTime<Utc>,
    edited: DateTime<Utc>,
    version: i64,
) -> Value {
    json!({
        "resourceType": kind,
        "created": time(created),
        "lastModified": time(edited),
        "location": location,
        "version": etag(version),
    })
}

fn insert_some(o: &mut Map<String, Value>, key: &str, v: &Option<String>) {
    if let Some(v) = v {
        o.insert(key.to_string(), json!(v));
    }
}

/// The user as SCIM JSON. `groups` is left out when the caller did not load them.
pub fn user_json(u: &User, groups: Option<&[Link]>, base: &str) -> Value {
    let mut o = Map::new();
    // An extension's URN is listed only when the resource carries it (RFC 7643 §3).
    let schemas = if u.department.is_some() {
        json!([USER_SCHEMA, ENTERPRISE_SCHEMA])
    } else {
        json!([USER_SCHEMA])
    };
    o.insert("schemas".into(), schemas);
    o.insert("id".into(), json!(u.ssid));
    insert_some(&mut o, "externalId", &u.user_id_ex);
    o.insert("userName".into(), json!(u.id));
    let mut name = Map::new();
    insert_some(&mut name, "givenName", &u.first_name);
    insert_some(&mut name, "familyName", &u.last_name);
    let parts: Vec<&str> = [u.first_name.as_deref(), u.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let formatted = if parts.is_empty() {
        u.full_name.clone()
    } else {
        parts.join(" ")
    };
    name.insert("formatted".into(), json!(formatted));
    o.insert("name".into(), Value::Object(name));
    o.insert("displayName".into(), json!(u.full_name));
    insert_some(&mut o, "title", &u.title);
    o.insert("active".into(), json!(u.active));
    if let Some(e) = &u.email {
        o.insert(
            "emails".into(),
            json!([{"value": e, "type": "work", "primary": true}]),
        );
    }
    if let Some(p) = &u.phone {
        o.insert(
            "phoneNumbers".into(),
            json!([{"value": p, "type": "work", "primary": true}]),
        );
    }
    if let Some(groups) = groups
        && !groups.is_empty()
    {
        o.insert(
            "groups".into(),
            Value::Array(
                groups
                    .iter()
                    .map(|g| {
                        json!({"value": g.ssid, "$ref": format!("{base}/Groups/{}", g.ssid),
                               "display": g.display, "type": "direct"})
                    })
                    .collect(),
            ),
        );
    }
    if let Some(d) = &u.department {
        o.insert(ENTERPRISE_SCHEMA.into(), json!({"department": d}));
    }
    o.insert(
        "meta".into(),
        meta(
            "User",
            format!("{base}/Users/{}", u.ssid),
            u.created_at,
            u.edited_at,
            u.version,
        ),
    );
    Value::Object(o)
}

/// The group as SCIM JSON. `members` is left out when the caller did not load them.
pub fn group_json(g: &Group, members: Option<&[Link]>, base: &str) -> Value {
    let mut o = Map::new();
    o.insert("schemas".into(), json!([GROUP_SCHEMA]));
    o.insert("id".into(), json!(g.ssid));
    insert_some(&mut o, "externalId", &g.group_id_ex);
    o.insert("displayName".into(), json!(g.full_name));
    if let Some(members) = members
        && !members.is_empty()
    {
        o.insert(
            "members".into(),
            Value::Array(
                members
                    .iter()
                    .map(|m| {
                        json!({"value": m.ssid, "$ref": format!("{base}/Users/{}", m.ssid),
                               "display": m.display, "type": "User"})
                    })
                    .collect(),
            ),
        );
    }
    o.insert(
        "meta".into(),
        meta(
            "Group",
            format!("{base}/Groups/{}", g.ssid),
            g.created_at,
            g.edited_at,
            g.version,
        ),
    );
    Value::Object(o)
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidValue", detail)
}

/// An optional string attribute; any other JSON type is the client's error.
fn opt_string(v: Option<&Value>, name: &str) -> ScimResult<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

fn opt_bool(v: Option<&Value>, name: &str) -> ScimResult<Option<bool>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(invalid(format!("{name} must be true or false"))),
    }
}

/// The one value Dossier keeps of a multi-valued contact attribute: the primary one, else
/// the work one, else the first.
fn preferred_value(v: Option<&Value>, name: &str) -> ScimResult<Option<String>> {
    let items = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(invalid(format!("{name} must be an array"))),
    };
    for i in items {
        if !i.is_object() {
            return Err(invalid(format!("each of {name} must be an object")));
        }
        opt_string(get_ci(i, "value"), &format!("{name}.value"))?;
        opt_bool(get_ci(i, "primary"), &format!("{name}.primary"))?;
    }
    let with_value = |i: &&Value| get_ci(i, "value").and_then(Value::as_str).is_some();
    let is_primary = |i: &&Value| matches!(opt_bool(get_ci(i, "primary"), ""), Ok(Some(true)));
    let is_work = |i: &&Value| {
        get_ci(i, "type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("work"))
    };
    let chosen = items
        .iter()
        .filter(with_value)
        .find(is_primary)
        .or_else(|| items.iter().filter(with_value).find(is_work))
        .or_else(|| items.iter().find(with_value));
    opt_string(chosen.and_then(|i| get_ci(i, "value")), name)
}

/// What a full User representation (POST, PUT, or the result of a PATCH) asks for.
pub struct UserInput {
    pub user_name: String,
    pub changes: UserChanges,
}

pub fn user_input(v: &Value) -> ScimResult<UserInput> {
    let user_name = opt_string(get_ci(v, "userName"), "userName")?
        .ok_or_else(|| invalid("userName is required"))?;
    let name = match get_ci(v, "name") {
        None | Some(Value::Null) => None,
        Some(n @ Value::Object(_)) => Some(n),
        Some(_) => return Err(invalid("name must be an object")),
    };
    let given = opt_string(name.and_then(|n| get_ci(n, "givenName")), "name.givenName")?;
    let family = opt_string(
        name.and_then(|n| get_ci(n, "familyName")),
        "name.familyName",
    )?;
    let formatted = opt_string(name.and_then(|n| get_ci(n, "formatted")), "name.formatted")?;
    let parts: Vec<&str> = [given.as_deref(), family.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let full_name = opt_string(get_ci(v, "displayName"), "displayName")?
        .or(formatted)
        .or_else(|| (!parts.is_empty()).then(|| parts.join(" ")))
        .unwrap_or_else(|| user_name.clone());
    let enterprise = match get_ci(v, ENTERPRISE_SCHEMA) {
        None | Some(Value::Null) => None,
        Some(e @ Value::Object(_)) => Some(e),
        Some(_) => return Err(invalid(format!("{ENTERPRISE_SCHEMA} must be an object"))),
    };
    let password = match get_ci(v, "password") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => return Err(invalid("password must be a string")),
    };
    Ok(UserInput {
        changes: UserChanges {
            full_name: Some(full_name),
            first_name: Some(given),
            last_name: Some(family),
            email: Some(preferred_value(get_ci(v, "emails"), "emails")?),
            phone: Some(preferred_value(get_ci(v, "phoneNumbers"), "phoneNumbers")?),
            title: Some(opt_string(get_ci(v, "title"), "title")?),
            department: Some(opt_string(
                enterprise.and_then(|e| get_ci(e, "department")),
                "department",
            )?),
            user_id_ex: Some(opt_string(get_ci(v, "externalId"), "externalId")?),
            // RFC 7643 §4.1.1 leaves an absent `active` to the server: a provisioned
            // account is active until the directory says otherwise.
            active: Some(opt_bool(get_ci(v, "active"), "active")?.unwrap_or(true)),
            password,
            ..UserChanges::default()
        },
        user_name,
    })
}

impl UserInput {
    /// The changes for a new user: provisioned accounts come from a directory.
    pub fn for_creation(mut self) -> UserChanges {
        self.changes.user_nos = Some(USER_NOS_ENTERPRISE);
        self.changes
    }

    /// userName is the login id and immutable (RFC 7643 §2.2): the same name in any case
    /// is fine, a different one is refused.
    pub fn check_same_user(&self, u: &User) -> ScimResult<()> {
        if self.user_name.eq_ignore_ascii_case(&u.id) {
            Ok(())
        } else {
            Err(ScimError::bad(
                "mutability",
                format!(
                    "userName is the login id '{}' and cannot be changed to '{}'",
                    u.id, self.user_name
                ),
            ))
        }
    }
}

/// What a full Group representation asks for.
pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    /// The members' SCIM ids.
    pub members: Vec<String>,
}

pub fn group_input(v: &Value) -> ScimResult<GroupInput> {
    let display_name = opt_string(get_ci(v, "displayName"), "displayName")?
        .ok_or_else(|| invalid("displayName is required"))?;
    let members = match get_ci(v, "members") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for m in items {
                if let Some(t) = opt_string(get_ci(m, "type"), "members.type")?
                    && !t.eq_ignore_ascii_case("User")
                {
                    return Err(invalid(
                        "Dossier groups hold users only; nested groups are not supported",
                    ));
                }
                let id = opt_string(get_ci(m, "value"), "members.value")?
                    .ok_or_else(|| invalid("each member needs a value (the user's id)"))?;
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            out
        }
        Some(_) => return Err(invalid("members must be an array")),
    };
    Ok(GroupInput {
        display_name,
        external_id: opt_string(get_ci(v, "externalId"), "externalId")?,
        members,
    })
}

impl GroupInput {
    pub fn changes(&self) -> GroupChanges {
        GroupChanges {
            full_name: Some(self.display_name.clone()),
            group_id_ex: Some(self.external_id.clone()),
            ..GroupChanges::default()
        }
    }
}

/// A group id (upper-case letters, digits and `. _ - @`, at most 64) derived from a display
/// name such as "Litigation Team" → `LITIGATION_TEAM`.
pub fn group_id_from(display_name: &str) -> String {
    let mut id = String::new();
    for c in display_name.trim().chars() {
        let c = c.to_ascii_uppercase();
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@') {
            id.push(c);
        } else if !id.ends_with('_') {
            id.push('_');
        }
    }
    let id: String = id.trim_matches('_').chars().take(60).collect();
    if id.is_empty() { "GROUP".into() } else { id }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_are_derived_from_names() {
        assert_eq!(group_id_from("Litigation Team"), "LITIGATION_TEAM");
        assert_eq!(group_id_from("  R&D / Tax  "), "R_D_TAX");
        assert_eq!(group_id_from("日本"), "GROUP");
        assert_eq!(group_id_from(&"a".repeat(100)).len(), 60);
    }

    #[test]
    fn user_input_reads_every_kept_attribute() {
        let u = user_input(&json!({
            "userName": "jsmith@firm.example",
            "name": {"givenName": "Jo", "familyName": "Smith"},
            "emails": [{"value": "home@x.example", "type": "home"},
                       {"value": "jo@firm.example", "type": "work"}],
            "phoneNumbers": [{"value": "+44 1", "type": "mobile"}],
            "active": "False",
            ENTERPRISE_SCHEMA: {"department": "Tax"},
        }))
        .unwrap();
        assert_eq!(u.user_name, "jsmith@firm.example");
        let c = u.changes;
        assert_eq!(c.full_name.as_deref(), Some("Jo Smith"));
        assert_eq!(c.email, Some(Some("jo@firm.example".into())));
        assert_eq!(c.phone, Some(Some("+44 1".into())));
        assert_eq!(c.department, Some(Some("Tax".into())));
        assert_eq!(c.active, Some(false));
        assert_eq!(c.title, Some(None));
    }

    #[test]
    fn user_input_rejects_wrong_types() {
        for bad in [
            json!({}),
            json!({"userName": 7}),
            json!({"userName": "a", "active": "maybe"}),
            json!({"userName": "a", "emails": "a@b.c"}),
            json!({"userName": "a", "name": "Jo"}),
            json!({"userName": "a", "emails": [{"value": 1}]}),
        ] {
            assert!(user_input(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn group_input_refuses_nested_groups() {
        assert!(
            group_input(&json!({"displayName": "A", "members": [{"value": "g", "type": "Group"}]}))
                .is_err()
        );
        let g =
            group_input(&json!({"displayName": "A", "members": [{"value": "u"}, {"value": "u"}]}))
                .unwrap();
        assert_eq!(g.members, vec!["u".to_string()]);
    }
}
