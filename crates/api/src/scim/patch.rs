//! PATCH (RFC 7644 §3.5.2) applied to a resource's SCIM JSON. The handler then converts the
//! patched JSON back into domain changes exactly as it does for PUT, so the two cannot
//! disagree about what an attribute means.
//!
//! Beyond the RFC's letter, this accepts what Entra ID and Okta send: operation names in
//! any case (`Replace`), booleans as strings (`"False"`), a path-less value object whose
//! keys are themselves paths (`"name.givenName"`, an extension URN plus attribute),
//! `remove` of `members` with a `value` list naming the members, and add/replace through a
//! value path that matches nothing (`emails[type eq "work"].value`), which creates the
//! element the filter describes.

use serde_json::{Map, Value};

use super::error::{ScimError, ScimResult};
use super::filter::{self, AttrPath, CompareOp, Filter, Literal, PatchPath, Resolved};
use super::schema::{Attr, Kind, Mutability, ResourceKind};

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Most operations in one request.
const MAX_OPERATIONS: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub op: Op,
    pub path: Option<String>,
    pub value: Option<Value>,
}

fn syntax(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidSyntax", detail)
}

/// Reads a PatchOp request body.
pub fn parse_request(body: &Value) -> ScimResult<Vec<Operation>> {
    let obj = body
        .as_object()
        .ok_or_else(|| syntax("a PATCH body must be a JSON object"))?;
    if let Some(schemas) = filter::get_ci(body, "schemas") {
        let ok = schemas.as_array().is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_SCHEMA))
            })
        });
        if !ok {
            return Err(syntax(format!("schemas must contain {PATCH_SCHEMA}")));
        }
    }
    let ops = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .map(|(_, v)| v)
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("a PATCH body needs an Operations array"))?;
    if ops.len() > MAX_OPERATIONS {
        return Err(syntax(format!(
            "at most {MAX_OPERATIONS} operations per request"
        )));
    }
    ops.iter()
        .enumerate()
        .map(|(i, o)| {
            let op = filter::get_ci(o, "op")
                .and_then(Value::as_str)
                .ok_or_else(|| syntax(format!("Operations[{i}] needs an op")))?;
            let op = match op.to_ascii_lowercase().as_str() {
                "add" => Op::Add,
                "remove" => Op::Remove,
                "replace" => Op::Replace,
                other => {
                    return Err(syntax(format!(
                        "Operations[{i}]: '{other}' is not add, remove or replace"
                    )));
                }
            };
            let path = match filter::get_ci(o, "path") {
                None => None,
                Some(Value::String(p)) if p.trim().is_empty() => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => {
                    return Err(ScimError::bad(
                        "invalidPath",
                        format!("Operations[{i}].path must be a string"),
                    ));
                }
            };
            Ok(Operation {
                op,
                path,
                value: filter::get_ci(o, "value").cloned(),
            })
        })
        .collect()
}

/// Applies the operations in order to `resource`; all or nothing (the caller keeps the
/// original on error).
pub fn apply(kind: ResourceKind, resource: &mut Value, ops: &[Operation]) -> ScimResult<()> {
    for op in ops {
        match &op.path {
            Some(p) => apply_path(kind, resource, op.op, p, op.value.clone())?,
            None => apply_without_path(kind, resource, op.op, op.value.clone())?,
        }
    }
    Ok(())
}

fn apply_without_path(
    kind: ResourceKind,
    resource: &mut Value,
    op: Op,
    value: Option<Value>,
) -> ScimResult<()> {
    if op == Op::Remove {
        return Err(ScimError::bad("noTarget", "remove needs a path"));
    }
    let Some(Value::Object(values)) = value else {
        return Err(ScimError::bad(
            "invalidValue",
            "an operation without a path needs an object value",
        ));
    };
    for (key, v) in values {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let is_schema = super::schema::ALL
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(&key));
        if let (true, Value::Object(inner)) = (is_schema, &v) {
            // `{"urn:…:enterprise:2.0:User": {"department": "Tax"}}` or the core URN.
            let urn = key.clone();
            for (k, iv) in inner
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
            {
                apply_path(kind, resource, op, &format!("{urn}:{k}"), Some(iv.clone()))?;
            }
            continue;
        }
        apply_path(kind, resource, op, &key, Some(v))?;
    }
    Ok(())
}

fn bad_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidPath", detail)
}

fn apply_path(
    kind: ResourceKind,
    resource: &mut Value,
    op: Op,
    path: &str,
    value: Option<Value>,
) -> ScimResult<()> {
    let parsed = filter::parse_path(path).map_err(|e| bad_path(format!("{path}: {}", e.0)))?;
    let (attr, value_filter) = match parsed {
        PatchPath::Extension(urn) => return apply_extension(kind, resource, op, urn, value),
        PatchPath::Attr { attr, filter } => (attr, filter),
    };
    let top = AttrPath {
        sub: None,
        ..attr.clone()
    };
    let Some(r) = filter::resolve(kind, &top).map_err(|e| bad_path(e.0))? else {
        // A standard attribute Dossier does not keep: accepted and dropped.
        return Ok(());
    };
    let sub = match &attr.sub {
        None => None,
        Some(s) => Some(
            super::schema::find(r.attr.sub, s)
                .ok_or_else(|| bad_path(format!("{} has no sub-attribute '{s}'", r.attr.name)))?,
        ),
    };
    let target = Resolved { sub, ..r };
    if target.attr.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
    {
        // RFC 7643 §2.2: read-only values are the server's; clients that echo them back
        // (Okta sends id and meta, Entra name.formatted) are not in error.
        return Ok(());
    }
    if op != Op::Remove && value.is_none() {
        return Err(ScimError::bad(
            "invalidValue",
            format!("{op:?} of {path} needs a value"),
        ));
    }
    let value = value.map(|v| coerce(target.attr, sub, v));
    let container = container(resource, target.extension, op != Op::Remove);
    let Some(container) = container else {
        return Ok(());
    };
    match value_filter {
        Some(f) => {
            if !(target.attr.kind == Kind::Complex && target.attr.multi) {
                return Err(bad_path(format!(
                    "{} is not a multi-valued attribute and cannot take a filter",
                    target.attr.name
                )));
            }
            filter::validate_element(&f, target.attr)
                .map_err(|e| bad_path(format!("{path}: {}", e.0)))?;
            apply_filtered(container, &target, &f, op, value, path)
        }
        None => apply_plain(container, &target, op, value),
    }
}

fn apply_extension(
    kind: ResourceKind,
    resource: &mut Value,
    op: Op,
    urn: &'static str,
    value: Option<Value>,
) -> ScimResult<()> {
    if kind.extension(urn).is_none() {
        return Err(bad_path(format!("{} has no extension {urn}", kind.name())));
    }
    match op {
        Op::Remove => {
            if let Some(o) = resource.as_object_mut() {
                o.retain(|k, _| !k.eq_ignore_ascii_case(urn));
            }
            Ok(())
        }
        _ => match value {
            Some(Value::Object(inner)) => {
                if op == Op::Replace
                    && let Some(o) = resource.as_object_mut()
                {
                    o.retain(|k, _| !k.eq_ignore_ascii_case(urn));
                }
                for (k, v) in inner {
                    if k.eq_ignore_ascii_case("schemas") {
                        continue;
                    }
                    apply_path(kind, resource, op, &format!("{urn}:{k}"), Some(v))?;
                }
                Ok(())
            }
            _ => Err(ScimError::bad(
                "invalidValue",
                format!("{urn} takes an object"),
            )),
        },
    }
}

/// The object an attribute lives in: the resource, or its extension's object.
fn container<'a>(
    resource: &'a mut Value,
    extension: Option<&str>,
    create: bool,
) -> Option<&'a mut Map<String, Value>> {
    let root = resource.as_object_mut()?;
    let Some(urn) = extension else {
        return Some(root);
    };
    let key = root
        .keys()
        .find(|k| k.eq_ignore_ascii_case(urn))
        .cloned()
        .or_else(|| create.then(|| urn.to_string()))?;
    root.entry(key)
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

/// Removes every case variant of `name` and returns the value that was there.
fn take(obj: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let keys: Vec<String> = obj
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    let mut out = None;
    for k in keys {
        let v = obj.remove(&k);
        if out.is_none() {
            out = v;
        }
    }
    out.filter(|v| !v.is_null())
}

/// Puts `value` under the canonical name, dropping empty values (RFC 7643 §2.5: an empty
/// array or null is the same as unassigned).
fn put(obj: &mut Map<String, Value>, name: &str, value: Value) {
    take(obj, name);
    let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
    if !empty {
        obj.insert(name.to_string(), value);
    }
}

/// Turns Entra's string booleans into booleans, at any depth the schema describes.
fn coerce(attr: &'static Attr, sub: Option<&'static Attr>, v: Value) -> Value {
    match sub {
        Some(s) => coerce_one(s, v),
        None if attr.multi => match v {
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|i| coerce_one(attr, i)).collect())
            }
            other => coerce_one(attr, other),
        },
        None => coerce_one(attr, v),
    }
}

fn coerce_one(attr: &Attr, v: Value) -> Value {
    match (attr.kind, v) {
        (Kind::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        (Kind::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        (Kind::Complex, Value::Object(o)) => Value::Object(
            o.into_iter()
                .map(|(k, v)| match super::schema::find(attr.sub, &k) {
                    Some(s) => (s.name.to_string(), coerce_one(s, v)),
                    None => (k, v),
                })
                .collect(),
        ),
        (_, v) => v,
    }
}

fn as_items(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Null => vec![],
        other => vec![other],
    }
}

/// Whether two values of a multi-valued attribute are the same value (by `value` when
/// both have one, RFC 7644 §3.5.2.1's "already exists" test).
fn same_value(attr: &Attr, a: &Value, b: &Value) -> bool {
    let value_attr = super::schema::find(attr.sub, "value");
    match (filter::get_ci(a, "value"), filter::get_ci(b, "value")) {
        (Some(Value::String(x)), Some(Value::String(y))) => {
            if value_attr.is_some_and(|v| v.case_exact) {
                x == y
            } else {
                x.eq_ignore_ascii_case(y)
            }
        }
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Merges sub-attributes into a complex value (replace and add of a complex attribute
/// leave the unnamed sub-attributes alone).
fn merge(target: &mut Value, patch: Value) {
    match (target.as_object_mut(), patch) {
        (Some(t), Value::Object(p)) => {
            for (k, v) in p {
                put(t, &k, v);
            }
        }
        (_, patch) => *target = patch,
    }
}

/// A single primary value at most (RFC 7643 §2.4): the last one marked wins.
fn one_primary(items: &mut [Value]) {
    let last = items
        .iter()
        .rposition(|i| filter::get_ci(i, "primary") == Some(&Value::Bool(true)));
    if let Some(last) = last {
        for (n, i) in items.iter_mut().enumerate() {
            if n != last
                && let Some(o) = i.as_object_mut()
                && o.contains_key("primary")
            {
                o.insert("primary".into(), Value::Bool(false));
            }
        }
    }
}

fn apply_plain(
    obj: &mut Map<String, Value>,
    t: &Resolved,
    op: Op,
    value: Option<Value>,
) -> ScimResult<()> {
    let attr = t.attr;
    let name = attr.name;
    let current = take(obj, name);
    let new = match (t.sub, op, value) {
        // `name.givenName`, or `emails.value` over every email.
        (Some(sub), Op::Remove, _) => current.map(|mut c| {
            for item in items_mut(&mut c) {
                if let Some(o) = item.as_object_mut() {
                    take(o, sub.name);
                }
            }
            c
        }),
        (Some(sub), _, Some(v)) => {
            let mut c = current.unwrap_or_else(|| {
                if attr.multi {
                    Value::Array(vec![Value::Object(Map::new())])
                } else {
                    Value::Object(Map::new())
                }
            });
            if c.as_array().is_some_and(Vec::is_empty) {
                c = Value::Array(vec![Value::Object(Map::new())]);
            }
            for item in items_mut(&mut c) {
                if let Some(o) = item.as_object_mut() {
                    put(o, sub.name, v.clone());
                }
            }
            Some(c)
        }
        // `members` with a value list: Entra's way of removing some members.
        (None, Op::Remove, Some(v)) if attr.multi => {
            let gone = as_items(v);
            current.map(|c| {
                Value::Array(
                    as_items(c)
                        .into_iter()
                        .filter(|i| !gone.iter().any(|g| same_value(attr, i, g)))
                        .collect(),
                )
            })
        }
        (None, Op::Remove, _) => None,
        (None, Op::Add, Some(v)) if attr.multi => {
            let mut items = current.map(as_items).unwrap_or_default();
            for new in as_items(v) {
                match items.iter_mut().find(|i| same_value(attr, i, &new)) {
                    Some(existing) => merge(existing, new),
                    None => items.push(new),
                }
            }
            one_primary(&mut items);
            Some(Value::Array(items))
        }
        (None, Op::Replace, Some(v)) if attr.multi => {
            let mut items = as_items(v);
            one_primary(&mut items);
            Some(Value::Array(items))
        }
        (None, _, Some(v)) if attr.kind == Kind::Complex => {
            let mut c = current.unwrap_or_else(|| Value::Object(Map::new()));
            if !v.is_object() {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!("{name} takes an object"),
                ));
            }
            merge(&mut c, v);
            Some(c)
        }
        (None, _, Some(v)) => Some(v),
        (_, _, None) => current,
    };
    if let Some(v) = new {
        let empty_object = v.as_object().is_some_and(Map::is_empty);
        if !empty_object {
            put(obj, name, v);
        }
    }
    Ok(())
}

fn items_mut(v: &mut Value) -> Vec<&mut Value> {
    match v {
        Value::Array(a) => a.iter_mut().collect(),
        other => vec![other],
    }
}

/// The element a value filter describes, from its `sub eq "value"` conjuncts, so that
/// `emails[type eq "work"].value` can be set on a user without a work address.
fn element_from(f: &Filter, out: &mut Map<String, Value>) -> bool {
    match f {
        Filter::And(a, b) => element_from(a, out) && element_from(b, out),
        Filter::Compare(p, CompareOp::Eq, lit) if p.sub.is_none() && p.urn.is_none() => {
            let v = match lit {
                Literal::Str(s) => Value::String(s.clone()),
                Literal::Bool(b) => Value::Bool(*b),
                _ => return false,
            };
            out.insert(p.name.clone(), v);
            true
        }
        _ => false,
    }
}

fn apply_filtered(
    obj: &mut Map<String, Value>,
    t: &Resolved,
    f: &Filter,
    op: Op,
    value: Option<Value>,
    path: &str,
) -> ScimResult<()> {
    let attr = t.attr;
    let mut items = take(obj, attr.name).map(as_items).unwrap_or_default();
    let hits: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| filter::matches_element(f, attr, i))
        .map(|(n, _)| n)
        .collect();
    match (op, t.sub, value) {
        (Op::Remove, None, _) => {
            let mut n = 0;
            items.retain(|_| {
                let keep = !hits.contains(&n);
                n += 1;
                keep
            });
        }
        (Op::Remove, Some(sub), _) => {
            for &n in &hits {
                if let Some(o) = items[n].as_object_mut() {
                    take(o, sub.name);
                }
            }
        }
        (_, sub, Some(v)) if !hits.is_empty() => {
            for &n in &hits {
                match sub {
                    Some(s) => {
                        if let Some(o) = items[n].as_object_mut() {
                            put(o, s.name, v.clone());
                        }
                    }
                    None if op == Op::Replace => items[n] = v.clone(),
                    None => merge(&mut items[n], v.clone()),
                }
            }
        }
        (_, sub, Some(v)) => {
            let mut element = Map::new();
            if !element_from(f, &mut element) {
                return Err(ScimError::bad(
                    "noTarget",
                    format!("{path} matches no value of {}", attr.name),
                ));
            }
            match sub {
                Some(s) => {
                    element.insert(s.name.to_string(), v);
                }
                None => match v {
                    Value::Object(o) => element.extend(o),
                    _ => {
                        return Err(ScimError::bad(
                            "invalidValue",
                            format!("{path} takes an object"),
                        ));
                    }
                },
            }
            items.push(coerce_one(attr, Value::Object(element)));
        }
        (_, _, None) => {}
    }
    one_primary(&mut items);
    put(obj, attr.name, Value::Array(items));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::ENTERPRISE_SCHEMA;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1",
            "userName": "BJENSEN",
            "displayName": "Babs",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "active": true,
            "emails": [{"value": "b@firm.example", "type": "work", "primary": true}],
        })
    }

    fn group() -> Value {
        json!({"id": "g1", "displayName": "Tax", "members": [{"value": "a"}, {"value": "b"}]})
    }

    fn patch(kind: ResourceKind, mut v: Value, body: Value) -> ScimResult<Value> {
        let ops = parse_request(&body)?;
        apply(kind, &mut v, &ops)?;
        Ok(v)
    }

    fn ops(list: Value) -> Value {
        json!({"schemas": [PATCH_SCHEMA], "Operations": list})
    }

    fn scim_type(r: ScimResult<Value>) -> &'static str {
        match r {
            Ok(v) => panic!("accepted: {v}"),
            Err(e) => e.scim_type.unwrap_or("none"),
        }
    }

    #[test]
    fn entra_deactivation_with_a_string_boolean() {
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .unwrap();
        assert_eq!(v["active"], false);
    }

    #[test]
    fn okta_deactivation_without_a_path() {
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([{"op": "replace", "value": {"active": false, "id": "ignored"}}])),
        )
        .unwrap();
        assert_eq!(v["active"], false);
        assert_eq!(v["id"], "u1");
    }

    #[test]
    fn path_less_values_may_use_paths_and_extension_urns_as_keys() {
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([{"op": "Replace", "value": {
                "name.givenName": "Babs",
                "displayName": "Babs J",
                format!("{ENTERPRISE_SCHEMA}:department"): "Tax",
            }}, {"op": "add", "value": {ENTERPRISE_SCHEMA: {"department": "Trusts"}}}])),
        )
        .unwrap();
        assert_eq!(
            v["name"],
            json!({"givenName": "Babs", "familyName": "Jensen"})
        );
        assert_eq!(v["displayName"], "Babs J");
        assert_eq!(v[ENTERPRISE_SCHEMA]["department"], "Trusts");
    }

    #[test]
    fn complex_replace_merges_and_sub_paths_set_one_field() {
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([
                {"op": "replace", "path": "name", "value": {"familyName": "Smith"}},
                {"op": "remove", "path": "name.givenName"},
            ])),
        )
        .unwrap();
        assert_eq!(v["name"], json!({"familyName": "Smith"}));
    }

    #[test]
    fn value_paths_change_match_or_create_elements() {
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@firm.example"},
                {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"},
            ])),
        )
        .unwrap();
        assert_eq!(v["emails"][0]["value"], "new@firm.example");
        assert_eq!(v["emails"][0]["primary"], true);
        assert_eq!(
            v["phoneNumbers"],
            json!([{"type": "work", "value": "+1 555"}])
        );
        let r = patch(
            ResourceKind::User,
            user(),
            ops(
                json!([{"op": "replace", "path": "emails[value co \"zzz\"]", "value": {"value": "a@b.c"}}]),
            ),
        );
        assert_eq!(scim_type(r), "noTarget");
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}])),
        )
        .unwrap();
        assert!(v.get("emails").is_none());
    }

    #[test]
    fn multi_valued_add_appends_once_and_replace_replaces() {
        let v = patch(
            ResourceKind::Group,
            group(),
            ops(json!([{"op": "Add", "path": "members", "value": [{"value": "b"}, {"value": "c"}]}])),
        )
        .unwrap();
        assert_eq!(
            v["members"],
            json!([{"value": "a"}, {"value": "b"}, {"value": "c"}])
        );
        let v = patch(
            ResourceKind::Group,
            group(),
            ops(json!([{"op": "replace", "path": "members", "value": [{"value": "z"}]}])),
        )
        .unwrap();
        assert_eq!(v["members"], json!([{"value": "z"}]));
    }

    #[test]
    fn member_removal_in_entra_and_okta_shapes() {
        let v = patch(
            ResourceKind::Group,
            group(),
            ops(json!([{"op": "Remove", "path": "members", "value": [{"value": "a"}]}])),
        )
        .unwrap();
        assert_eq!(v["members"], json!([{"value": "b"}]));
        let v = patch(
            ResourceKind::Group,
            group(),
            ops(json!([{"op": "remove", "path": "members[value eq \"b\"]"}])),
        )
        .unwrap();
        assert_eq!(v["members"], json!([{"value": "a"}]));
        let v = patch(
            ResourceKind::Group,
            group(),
            ops(json!([{"op": "remove", "path": "members"}])),
        )
        .unwrap();
        assert!(v.get("members").is_none());
    }

    #[test]
    fn primary_stays_unique() {
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([{"op": "add", "path": "emails", "value": [{"value": "c@firm.example", "primary": "True"}]}])),
        )
        .unwrap();
        assert_eq!(v["emails"][0]["primary"], false);
        assert_eq!(v["emails"][1]["primary"], true);
    }

    #[test]
    fn bad_requests_name_the_problem() {
        let u = || user();
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                ops(json!([{"op": "add", "path": "shoeSize", "value": 1}]))
            )),
            "invalidPath"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                ops(json!([{"op": "add", "path": "emails[", "value": 1}]))
            )),
            "invalidPath"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                ops(json!([{"op": "add", "path": "name.middle", "value": 1}]))
            )),
            "invalidPath"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                ops(json!([{"op": "add", "path": "title[value eq \"x\"]", "value": 1}]))
            )),
            "invalidPath"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                ops(json!([{"op": "remove"}]))
            )),
            "noTarget"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                ops(json!([{"op": "move", "path": "title"}]))
            )),
            "invalidSyntax"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                ops(json!([{"op": "add", "value": "x"}]))
            )),
            "invalidValue"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::User,
                u(),
                json!({"schemas": ["x"], "Operations": []})
            )),
            "invalidSyntax"
        );
        assert_eq!(
            scim_type(patch(ResourceKind::User, u(), json!({"ops": []}))),
            "invalidSyntax"
        );
        assert_eq!(
            scim_type(patch(
                ResourceKind::Group,
                group(),
                ops(json!([{"op": "add", "path": ENTERPRISE_SCHEMA, "value": {}}]))
            )),
            "invalidPath"
        );
    }

    #[test]
    fn read_only_and_unkept_attributes_are_dropped() {
        let v = patch(
            ResourceKind::User,
            user(),
            ops(json!([
                {"op": "replace", "path": "name.formatted", "value": "X"},
                {"op": "replace", "path": "meta", "value": {}},
                {"op": "add", "path": "addresses[type eq \"work\"].locality", "value": "Leeds"},
                {"op": "add", "path": format!("{ENTERPRISE_SCHEMA}:employeeNumber"), "value": "7"},
            ])),
        )
        .unwrap();
        assert_eq!(v, user());
    }

    #[test]
    fn extension_remove_and_replace() {
        let mut u = user();
        u[ENTERPRISE_SCHEMA] = json!({"department": "Tax"});
        let v = patch(
            ResourceKind::User,
            u.clone(),
            ops(json!([{"op": "remove", "path": ENTERPRISE_SCHEMA}])),
        )
        .unwrap();
        assert!(v.get(ENTERPRISE_SCHEMA).is_none());
        let v = patch(
            ResourceKind::User,
            u,
            ops(json!([{"op": "remove", "path": format!("{ENTERPRISE_SCHEMA}:department")}])),
        )
        .unwrap();
        assert_eq!(v[ENTERPRISE_SCHEMA], json!({}));
    }
}
