//! Search parameters of the Work API (docs/imanage-api.md §4.1) turned into the query model
//! (`dossier_core::query`). GET
//! searches pass query parameters; POST searches a `filters` object with the same names,
//! which is flattened into the same form first.

use std::collections::HashMap;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use dossier_core::custom::{CUSTOM_COUNT, CustomKind, parse_timestamp};
use dossier_core::model::{ContainerKind, WsType};
use dossier_core::query::{ContainerQuery, CustomMatch, DocumentQuery};
use dossier_core::{ContainerId, CustomValue, LibraryId, Scalar};
use dossier_service::{Caller, Dossier};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::Q;
use crate::work::forms::{MAX_TIMEZONE_OFFSET_MINUTES, RelativeRange, Today, number_form};

/// Flattens a POST search body's `filters` (and top-level paging keys) into query form.
pub fn flatten_post(body: &Map<String, Value>) -> ApiResult<Q> {
    let mut out = HashMap::new();
    let filters = match body.get("filters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(f)) => f.clone(),
        Some(_) => return Err(ApiError::invalid("filters", "filters must be an object")),
    };
    for (k, v) in filters.iter().chain(body.iter().filter(|(k, _)| {
        matches!(
            k.as_str(),
            "limit" | "offset" | "total" | "cursor" | "paging_mode" | "timezone_offset"
        )
    })) {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            Value::Null => continue,
            Value::Object(_) => {
                return Err(ApiError::invalid(
                    k,
                    format!("filter {k} must be a value, not an object"),
                ));
            }
        };
        out.insert(k.clone(), text);
    }
    Ok(Q(out))
}

fn list(q: &Q, name: &str) -> Vec<String> {
    q.text(name).map(split_list).unwrap_or_default()
}

/// Comma-separated values; a double-quoted value is taken whole (it may contain commas).
fn split_list(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in raw.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn numbers(q: &Q, name: &str) -> ApiResult<Vec<i64>> {
    list(q, name)
        .iter()
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::invalid(name, format!("'{v}' is not a number")))
        })
        .collect()
}

fn timestamp(q: &Q, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
    q.text(name)
        .map(|v| {
            parse_timestamp(v)
                .ok_or_else(|| ApiError::invalid(name, format!("{name} must be an ISO-8601 date")))
        })
        .transpose()
}

/// "Today" for this search's relative dates: the server's clock, in the caller's time zone
/// when `timezone_offset` (minutes ahead of UTC) is given.
pub fn today(dossier: &Dossier, q: &Q) -> ApiResult<Today> {
    let name = "timezone_offset";
    let offset_minutes = match q.text(name) {
        None => 0,
        Some(v) => v
            .parse::<i32>()
            .ok()
            .filter(|m| m.abs() <= MAX_TIMEZONE_OFFSET_MINUTES)
            .ok_or_else(|| {
                ApiError::invalid(
                    name,
                    format!(
                        "{name} must be whole minutes ahead of UTC (-360 for UTC-6), not '{v}'"
                    ),
                )
            })?,
    };
    Ok(Today {
        now: dossier.now(),
        offset_minutes,
    })
}

/// Inclusive lower and upper bounds of a date filter; `None` leaves that side open.
pub type DateBounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Inclusive bounds of one date filter: `{name}_from` and `{name}_to` (ISO-8601) and the
/// relative forms named in `relative`, each resolved against `today`. Given together, a
/// document must satisfy all of them, so the bounds are their intersection.
pub fn date_bounds(q: &Q, name: &str, relative: &[String], today: Today) -> ApiResult<DateBounds> {
    let mut lo = timestamp(q, &format!("{name}_from"))?;
    let mut hi = timestamp(q, &format!("{name}_to"))?;
    for param in relative {
        let Some(raw) = q.text(param) else {
            continue;
        };
        let (from, to) = RelativeRange::parse(raw)
            .and_then(|r| r.resolve(today))
            .map_err(|why| {
                ApiError::invalid(
                    param,
                    format!("{param} is not a relative date range: {why}"),
                )
            })?;
        lo = lo.max(Some(from));
        hi = Some(hi.map_or(to, |h| h.min(to)));
    }
    Ok((lo, hi))
}

/// The bounds of a document date (`create_date`, `edit_date`, `sent_date`,
/// `received_date`): its relative range comes as the bare name or as `{name}_relative`.
pub fn document_date(q: &Q, name: &str, today: Today) -> ApiResult<DateBounds> {
    date_bounds(
        q,
        name,
        &[name.to_string(), format!("{name}_relative")],
        today,
    )
}

/// customN values matched whole, for the fields `whole` admits.
pub fn custom_equals(q: &Q, whole: impl Fn(usize) -> bool) -> ApiResult<Vec<(usize, CustomValue)>> {
    let mut out = Vec::new();
    for n in (1..=CUSTOM_COUNT).filter(|n| whole(*n)) {
        if let Some(v) =
            q.0.get(&format!("custom{n}"))
                .filter(|v| !v.trim().is_empty())
            && let Some(value) = CustomValue::from_scalar(n, Scalar::Text(v.clone()))?
        {
            out.push((n, value));
        }
    }
    Ok(out)
}

pub fn container_filter(q: &Q, kinds: Vec<ContainerKind>) -> ApiResult<ContainerQuery> {
    let container = q
        .text("container_id")
        .map(|c| c.parse::<ContainerId>())
        .transpose()?;
    Ok(ContainerQuery {
        kinds,
        parent: container.map(|c| c.number),
        workspace: None,
        names: list(q, "name"),
        name_or_description: q.text("name_or_description").map(str::to_string),
        description: q.text("description").map(str::to_string),
        owner: q.text("owner").map(str::to_string),
        email: q.text("email").map(str::to_string),
        workspace_name: q.text("workspace_name").map(str::to_string),
        customs: custom_equals(q, |_| true)?,
        numbers: list(q, "include_ids")
            .iter()
            .map(|id| id.parse::<ContainerId>().map(|c| c.number))
            .collect::<Result<_, _>>()?,
        templates: Default::default(),
    })
}

/// The profile filter of a document search; relative dates are resolved against `today`.
pub async fn document_filter(
    dossier: &Dossier,
    caller: &Caller,
    library: &LibraryId,
    q: &Q,
    today: Today,
) -> ApiResult<DocumentQuery> {
    // Read even without a container_id, so garbage is refused rather than ignored.
    let include_subtree = q.flag("include_subtree")?.unwrap_or(false);
    let folders = match q.text("container_id") {
        Some(raw) => {
            let id: ContainerId = raw.parse()?;
            if id.library != *library {
                return Err(ApiError::invalid(
                    "container_id",
                    "container_id names another library",
                ));
            }
            if include_subtree {
                Some(dossier.subtree(caller, &id).await?)
            } else {
                dossier
                    .container(
                        caller,
                        &id,
                        &[
                            ContainerKind::Folder,
                            ContainerKind::Tab,
                            ContainerKind::Workspace,
                            ContainerKind::SearchFolder,
                        ],
                    )
                    .await?;
                Some(vec![id.number])
            }
        }
        None => None,
    };
    // custom17–20 take the operator forms (`<v`, `>v`, `=v`, `a-b`) as well as a value.
    let mut customs: Vec<(usize, CustomMatch)> =
        custom_equals(q, |n| CustomKind::of(n) != CustomKind::Number)?
            .into_iter()
            .map(|(n, v)| (n, CustomMatch::Equals(v)))
            .collect();
    for n in 17..=24 {
        let name = format!("custom{n}");
        if CustomKind::of(n) == CustomKind::Number {
            if let Some(raw) = q.text(&name) {
                let (lo, hi) = number_form(raw).map_err(|why| {
                    ApiError::invalid(&name, format!("{name} is not a number search: {why}"))
                })?;
                customs.push((n, CustomMatch::NumberRange(lo, hi)));
            }
            let (from, to) = (format!("{name}_from"), format!("{name}_to"));
            if q.text(&from).is_none() && q.text(&to).is_none() {
                continue;
            }
            let num = |name: &str| {
                q.text(name)
                    .map(|v| {
                        v.parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .map(Bound::Included)
                            .ok_or_else(|| {
                                ApiError::invalid(name, format!("{name} must be a number"))
                            })
                    })
                    .transpose()
                    .map(|b| b.unwrap_or(Bound::Unbounded))
            };
            customs.push((n, CustomMatch::NumberRange(num(&from)?, num(&to)?)));
        } else {
            let (lo, hi) = date_bounds(q, &name, &[format!("{name}_relative")], today)?;
            if lo.is_some() || hi.is_some() {
                customs.push((n, CustomMatch::TimeRange(lo, hi)));
            }
        }
    }
    let wstype = match (q.flag("email_only")?, q.flag("exclude_emails")?) {
        (Some(true), Some(true)) => {
            return Err(ApiError::invalid(
                "email_only",
                "email_only and exclude_emails cannot both be true",
            ));
        }
        (Some(true), _) => Some(WsType::Email),
        (_, Some(true)) => Some(WsType::Document),
        _ => None,
    };
    let name_or_description = q.text("name_or_description").map(str::to_string);
    let (create_from, create_to) = document_date(q, "create_date", today)?;
    let (edit_from, edit_to) = document_date(q, "edit_date", today)?;
    // `metadata.{property}=value`: extended metadata, checked against the catalogue.
    let mut conditions: Vec<(&String, &String)> =
        q.0.iter()
            .filter(|(k, _)| k.starts_with("metadata."))
            .collect();
    conditions.sort();
    let mut metadata = Vec::with_capacity(conditions.len());
    for (k, v) in conditions {
        let property = &k["metadata.".len()..];
        metadata.push(dossier.metadata_match(caller, library, property, v).await?);
    }
    Ok(DocumentQuery {
        folders,
        names: list(q, "name"),
        name_or_description,
        comments: q
            .text("comments")
            .or(q.text("description"))
            .map(|c| format!("*{c}*")),
        author: q.text("author").map(str::to_string),
        operator: q.text("operator").map(str::to_string),
        last_user: q.text("last_user").map(str::to_string),
        class: q.text("class").map(str::to_string),
        subclass: q.text("subclass").map(str::to_string),
        types: list(q, "type"),
        numbers: numbers(q, "document_number")?,
        customs,
        checked_out: q.flag("checked_out")?,
        wstype,
        conversation_id: q.text("conversation_id").map(str::to_string),
        has_attachment: q.flag("has_attachment")?,
        create_from,
        create_to,
        edit_from,
        edit_to,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::split_list;

    #[test]
    fn lists_split_on_commas_outside_quotes() {
        assert_eq!(split_list("a, b,\"c, d\""), vec!["a", "b", "c, d"]);
        assert!(split_list(" , ").is_empty());
    }
}
