//! Listing (RFC 7644 §3.4.2): the parameters of GET and of POST `.search`, sorting,
//! 1-based paging with an exact `totalResults`, and attribute projection
//! (`attributes` / `excludedAttributes` and each attribute's `returned`).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::error::{ScimError, ScimResult};
use super::filter::{self, AttrPath, Filter};
use super::schema::{Kind, ResourceKind, Returned};

pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The most resources one page returns (published as `filter.maxResults`).
pub const MAX_COUNT: usize = 1000;
pub const DEFAULT_COUNT: usize = 100;

#[derive(Clone, Debug, Default)]
pub struct ListParams {
    pub filter: Option<Filter>,
    /// Resolved per resource type when sorting, since a server-wide search mixes types.
    pub sort_by: Option<AttrPath>,
    pub descending: bool,
    /// 1-based.
    pub start_index: usize,
    pub count: usize,
    pub projection: Projection,
}

/// Which attributes a response carries.
#[derive(Clone, Debug, Default)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn paths(names: &[String]) -> Vec<AttrPath> {
    // An attribute name that does not parse is not an error (RFC 7644 §3.9 does not make
    // it one); it simply selects nothing.
    names
        .iter()
        .filter_map(|n| filter::attr_path(n).ok())
        .collect()
}

impl Projection {
    pub fn from_query(q: &HashMap<String, String>) -> Projection {
        let get = |k: &str| {
            q.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
        };
        Projection {
            attributes: paths(&get("attributes").map(split_list).unwrap_or_default()),
            excluded: paths(
                &get("excludedAttributes")
                    .map(split_list)
                    .unwrap_or_default(),
            ),
        }
    }

    /// Whether a response will carry this top-level attribute (to skip loading it).
    pub fn wants(&self, kind: ResourceKind, name: &str) -> bool {
        if !self.attributes.is_empty() {
            return self
                .attributes
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(name));
        }
        let excluded = self
            .excluded
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(name) && p.sub.is_none());
        !excluded
            && filter::resolve(
                kind,
                &AttrPath {
                    urn: None,
                    name: name.into(),
                    sub: None,
                },
            )
            .is_ok()
    }
}

impl ListParams {
    fn build(
        kinds: &[ResourceKind],
        filter_text: Option<&str>,
        sort_by: Option<&str>,
        sort_order: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
        projection: Projection,
    ) -> ScimResult<ListParams> {
        let filter = match filter_text.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => {
                let f = filter::parse(text).map_err(|e| ScimError::bad("invalidFilter", e.0))?;
                // A server-wide search needs the filter to make sense for one type at least.
                let errors: Vec<_> = kinds
                    .iter()
                    .filter_map(|k| filter::validate(&f, *k).err())
                    .collect();
                if let Some(e) = errors.first().filter(|_| errors.len() == kinds.len()) {
                    return Err(ScimError::bad("invalidFilter", e.0.clone()));
                }
                Some(f)
            }
        };
        let sort_by = match sort_by.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => {
                let p = filter::attr_path(s).map_err(|e| ScimError::bad("invalidValue", e.0))?;
                let errors: Vec<_> = kinds
                    .iter()
                    .filter_map(|k| filter::resolve(*k, &p).err())
                    .collect();
                if let Some(e) = errors.first().filter(|_| errors.len() == kinds.len()) {
                    return Err(ScimError::bad("invalidValue", e.0.clone()));
                }
                Some(p)
            }
        };
        let descending = match sort_order.map(str::trim) {
            None | Some("") => false,
            Some(o) if o.eq_ignore_ascii_case("ascending") => false,
            Some(o) if o.eq_ignore_ascii_case("descending") => true,
            Some(o) => {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!("sortOrder is ascending or descending, not '{o}'"),
                ));
            }
        };
        Ok(ListParams {
            filter,
            sort_by,
            descending,
            // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1, a negative count as 0.
            start_index: start_index.unwrap_or(1).max(1) as usize,
            count: count
                .unwrap_or(DEFAULT_COUNT as i64)
                .clamp(0, MAX_COUNT as i64) as usize,
            projection,
        })
    }

    /// From the query string of a GET.
    pub fn from_query(kind: ResourceKind, q: &HashMap<String, String>) -> ScimResult<ListParams> {
        let kind = [kind];
        let get = |k: &str| {
            q.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
        };
        let int = |k: &str| -> ScimResult<Option<i64>> {
            get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<i64>().map_err(|_| {
                        ScimError::bad("invalidValue", format!("{k} must be an integer, not '{v}'"))
                    })
                })
                .transpose()
        };
        Self::build(
            &kind,
            get("filter"),
            get("sortBy"),
            get("sortOrder"),
            int("startIndex")?,
            int("count")?,
            Projection::from_query(q),
        )
    }

    /// From the body of POST `.search` (RFC 7644 §3.4.3).
    pub fn from_search(kinds: &[ResourceKind], body: &Value) -> ScimResult<ListParams> {
        let field = |k: &str| filter::get_ci(body, k);
        let text = |k: &str| -> ScimResult<Option<&str>> {
            match field(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(ScimError::bad(
                    "invalidValue",
                    format!("{k} must be a string"),
                )),
            }
        };
        let int = |k: &str| -> ScimResult<Option<i64>> {
            match field(k) {
                None => Ok(None),
                Some(v) => v.as_i64().map(Some).ok_or_else(|| {
                    ScimError::bad("invalidValue", format!("{k} must be an integer"))
                }),
            }
        };
        let list = |k: &str| -> ScimResult<Vec<String>> {
            match field(k) {
                None => Ok(vec![]),
                Some(Value::String(s)) => Ok(split_list(s)),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            ScimError::bad("invalidValue", format!("{k} must list strings"))
                        })
                    })
                    .collect(),
                Some(_) => Err(ScimError::bad(
                    "invalidValue",
                    format!("{k} must be an array"),
                )),
            }
        };
        let projection = Projection {
            attributes: paths(&list("attributes")?),
            excluded: paths(&list("excludedAttributes")?),
        };
        Self::build(
            kinds,
            text("filter")?,
            text("sortBy")?,
            text("sortOrder")?,
            int("startIndex")?,
            int("count")?,
            projection,
        )
    }

    /// Whether a full resource of `kind` passes the filter. The filter was checked
    /// against the types searched; in a server-wide search, attributes one type lacks
    /// are unassigned for its resources.
    pub fn keeps(&self, kind: ResourceKind, r: &Value) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| filter::matches(f, kind, r))
    }

    /// Whether the filter or the sort order looks at this attribute.
    pub fn looks_at(&self, name: &str) -> bool {
        self.filter.as_ref().is_some_and(|f| f.mentions(name))
            || self
                .sort_by
                .as_ref()
                .is_some_and(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Sorts and pages filtered resources; returns the page and the exact total.
    pub fn sort_and_page(
        &self,
        mut all: Vec<(ResourceKind, Value)>,
    ) -> (Vec<(ResourceKind, Value)>, usize) {
        if let Some(by) = &self.sort_by {
            let mut keyed: Vec<(Option<String>, (ResourceKind, Value))> = all
                .into_iter()
                .map(|(k, r)| {
                    let key = match filter::resolve(k, by) {
                        Ok(Some(res)) => filter::sort_key(&r, &res),
                        _ => None,
                    };
                    (key, (k, r))
                })
                .collect();
            // Stable, with resources lacking the attribute last in either order.
            keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                (Some(a), Some(b)) if self.descending => b.cmp(a),
                (Some(a), Some(b)) => a.cmp(b),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            all = keyed.into_iter().map(|(_, r)| r).collect();
        }
        let total = all.len();
        let page = all
            .into_iter()
            .skip(self.start_index - 1)
            .take(self.count)
            .collect();
        (page, total)
    }
}

/// The ListResponse envelope.
pub fn list_response(resources: Vec<Value>, total: usize, start_index: usize) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

fn key_of<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a String> {
    o.keys().find(|k| k.eq_ignore_ascii_case(name))
}

/// Cuts a full resource down to what the response returns.
pub fn project(kind: ResourceKind, full: &Value, p: &Projection) -> Value {
    let Some(src) = full.as_object() else {
        return full.clone();
    };
    let mut out = if p.attributes.is_empty() {
        let mut o = src.clone();
        strip_request_only(kind, &mut o);
        for path in &p.excluded {
            remove_path(kind, &mut o, path);
        }
        o
    } else {
        let mut o = Map::new();
        for key in ["schemas", "id"] {
            if let Some(v) = src.get(key) {
                o.insert(key.into(), v.clone());
            }
        }
        for path in &p.attributes {
            copy_path(kind, src, &mut o, path);
        }
        o
    };
    out.retain(|_, v| !v.as_object().is_some_and(Map::is_empty));
    Value::Object(out)
}

/// Drops the attributes returned only on request (`returned: request`).
fn strip_request_only(kind: ResourceKind, o: &mut Map<String, Value>) {
    strip_in(kind.core().attrs, o);
    for ext in kind.extensions() {
        if let Some(k) = key_of(o, ext.id).cloned()
            && let Some(Value::Object(c)) = o.get_mut(&k)
        {
            strip_in(ext.attrs, c);
        }
    }
}

fn strip_in(attrs: &[super::schema::Attr], c: &mut Map<String, Value>) {
    for attr in attrs {
        let Some(k) = key_of(c, attr.name).cloned() else {
            continue;
        };
        if attr.returned == Returned::Request {
            c.remove(&k);
            continue;
        }
        if attr.kind != Kind::Complex {
            continue;
        }
        for sub in attr.sub.iter().filter(|s| s.returned == Returned::Request) {
            for item in elements_mut(c.get_mut(&k)) {
                if let Some(sk) = key_of(item, sub.name).cloned() {
                    item.remove(&sk);
                }
            }
        }
        if c.get(&k)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            c.remove(&k);
        }
    }
}

fn elements_mut(v: Option<&mut Value>) -> Vec<&mut Map<String, Value>> {
    match v {
        Some(Value::Array(a)) => a.iter_mut().filter_map(Value::as_object_mut).collect(),
        Some(Value::Object(o)) => vec![o],
        _ => vec![],
    }
}

fn remove_path(kind: ResourceKind, o: &mut Map<String, Value>, path: &AttrPath) {
    let Ok(Some(r)) = filter::resolve(kind, path) else {
        // A bare extension URN excludes the whole extension.
        if let Some(k) = key_of(o, &filter::display_path(path)).cloned() {
            o.remove(&k);
        }
        return;
    };
    if r.leaf().returned == Returned::Always {
        return;
    }
    let container = match r.extension {
        Some(urn) => match key_of(o, urn).cloned().and_then(|k| o.get_mut(&k)) {
            Some(Value::Object(c)) => c,
            _ => return,
        },
        None => o,
    };
    let Some(k) = key_of(container, r.attr.name).cloned() else {
        return;
    };
    match r.sub {
        None => {
            container.remove(&k);
        }
        Some(sub) => {
            for item in elements_mut(container.get_mut(&k)) {
                if let Some(sk) = key_of(item, sub.name).cloned() {
                    item.remove(&sk);
                }
            }
        }
    }
}

fn copy_path(
    kind: ResourceKind,
    src: &Map<String, Value>,
    out: &mut Map<String, Value>,
    path: &AttrPath,
) {
    let whole = filter::display_path(path);
    let Ok(Some(r)) = filter::resolve(kind, path) else {
        if let Some(k) = key_of(src, &whole) {
            out.insert(k.clone(), src[k].clone());
        }
        return;
    };
    if r.leaf().returned == Returned::Never {
        return;
    }
    let (from, to): (&Map<String, Value>, &mut Map<String, Value>) = match r.extension {
        Some(urn) => {
            let Some(Value::Object(from)) = key_of(src, urn).map(|k| &src[k]) else {
                return;
            };
            let to = out
                .entry(urn.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(to) = to.as_object_mut() else { return };
            (from, to)
        }
        None => (src, out),
    };
    let Some(k) = key_of(from, r.attr.name) else {
        return;
    };
    let value = &from[k];
    match r.sub {
        None => {
            to.insert(k.clone(), value.clone());
        }
        Some(sub) => {
            let pick = |item: &Value| -> Option<(String, Value)> {
                let o = item.as_object()?;
                let sk = key_of(o, sub.name)?;
                Some((sk.clone(), o[sk].clone()))
            };
            let merged = match (to.get(k).cloned(), value) {
                (existing, Value::Array(items)) => {
                    let mut arr: Vec<Value> = match existing {
                        Some(Value::Array(a)) => a,
                        _ => items.iter().map(|_| Value::Object(Map::new())).collect(),
                    };
                    for (slot, item) in arr.iter_mut().zip(items) {
                        if let (Some(o), Some((sk, sv))) = (slot.as_object_mut(), pick(item)) {
                            o.insert(sk, sv);
                        }
                    }
                    Value::Array(arr)
                }
                (existing, item) => {
                    let mut o = existing
                        .and_then(|e| e.as_object().cloned())
                        .unwrap_or_default();
                    if let Some((sk, sv)) = pick(item) {
                        o.insert(sk, sv);
                    }
                    Value::Object(o)
                }
            };
            to.insert(k.clone(), merged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn user(name: &str, title: Option<&str>) -> (ResourceKind, Value) {
        let mut v = json!({"schemas": [], "id": name, "userName": name,
                           "name": {"givenName": "G", "formatted": "G F"},
                           "emails": [{"value": "e@x.example", "type": "work", "primary": true}]});
        if let Some(t) = title {
            v["title"] = json!(t);
        }
        (ResourceKind::User, v)
    }

    #[test]
    fn paging_is_one_based_with_an_exact_total() {
        let p = ListParams::from_query(
            ResourceKind::User,
            &q(&[("startIndex", "2"), ("count", "2")]),
        )
        .unwrap();
        let all: Vec<_> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| user(n, None))
            .collect();
        let (page, total) = p.sort_and_page(all.clone());
        assert_eq!(total, 5);
        let names: Vec<&str> = page
            .iter()
            .map(|(_, r)| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["b", "c"]);
        let p = ListParams::from_query(
            ResourceKind::User,
            &q(&[("startIndex", "-4"), ("count", "99999")]),
        )
        .unwrap();
        assert_eq!((p.start_index, p.count), (1, MAX_COUNT));
        let p = ListParams::from_query(ResourceKind::User, &q(&[("count", "-1")])).unwrap();
        assert_eq!(p.sort_and_page(all).0.len(), 0);
    }

    #[test]
    fn sorting_puts_missing_values_last_both_ways() {
        let all = vec![
            user("a", Some("b")),
            user("b", None),
            user("c", Some("A")),
            user("d", Some("c")),
        ];
        let order = |pairs: &[(&str, &str)]| -> Vec<String> {
            let p = ListParams::from_query(ResourceKind::User, &q(pairs)).unwrap();
            p.sort_and_page(all.clone())
                .0
                .iter()
                .map(|(_, r)| r["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(order(&[("sortBy", "title")]), vec!["c", "a", "d", "b"]);
        assert_eq!(
            order(&[("sortBy", "TITLE"), ("sortOrder", "descending")]),
            vec!["d", "a", "c", "b"]
        );
        assert!(ListParams::from_query(ResourceKind::User, &q(&[("sortBy", "shoe")])).is_err());
        assert!(ListParams::from_query(ResourceKind::User, &q(&[("count", "ten")])).is_err());
    }

    #[test]
    fn projection_follows_returned_and_the_parameters() {
        let (_, full) = user("a", Some("t"));
        let default = project(ResourceKind::User, &full, &Projection::default());
        assert_eq!(default["name"], json!({"givenName": "G"}));
        assert_eq!(
            default["emails"],
            json!([{"value": "e@x.example", "type": "work"}])
        );
        let only = project(
            ResourceKind::User,
            &full,
            &Projection::from_query(&q(&[(
                "attributes",
                "title, name.formatted,emails.primary",
            )])),
        );
        assert_eq!(
            only,
            json!({"schemas": [], "id": "a", "title": "t", "name": {"formatted": "G F"},
                   "emails": [{"primary": true}]})
        );
        let without = project(
            ResourceKind::User,
            &full,
            &Projection::from_query(&q(&[("excludedAttributes", "id,emails.type,name")])),
        );
        assert_eq!(without["id"], "a");
        assert_eq!(without["emails"], json!([{"value": "e@x.example"}]));
        assert!(without.get("name").is_none());
    }
}
