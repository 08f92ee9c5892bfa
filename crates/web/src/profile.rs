//! Editing a document's profile: name, comment, class, subclass, author and the library's
//! captioned custom text and lookup fields, read by the Work API's `document_changes` and
//! saved by `Dossier::update_document`, as `PATCH …/documents/{id}` does. A lookup field is
//! a picker: its suggestions come from `Dossier::lookups` (the Work API's lookup search) as
//! the user types, through htmx.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use dossier_api::AppState;
use dossier_api::work::wire;
use dossier_core::custom::{CustomKind, CustomValue};
use dossier_core::query::Page;
use dossier_core::{DomainError, LibraryId};

use crate::document::{document_ref, page_of};
use crate::form;
use crate::page::{self, Chrome, Failure, PageResult};
use crate::session::Signed;

/// Suggestions a lookup picker shows at a time.
const SUGGESTED: i64 = 20;

/// One custom field of the form.
pub struct CustomInput {
    /// `custom1` …
    pub name: String,
    pub caption: String,
    pub value: String,
    pub required: bool,
    /// Where the picker's suggestions come from, for a lookup field.
    pub lookups: Option<String>,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    chrome: Chrome,
    back: String,
    action: String,
    title: String,
    name: String,
    comment: String,
    class: String,
    subclass: String,
    author: String,
    customs: Vec<CustomInput>,
}

/// The custom fields a form shows: enabled, captioned (the library named them), text or
/// lookup (the kinds a text input holds).
fn custom_inputs(
    defs: &dossier_core::fields::FieldDefinitions,
    library: &LibraryId,
    value_of: impl Fn(usize) -> String,
) -> Vec<CustomInput> {
    defs.all()
        .iter()
        .filter(|d| d.enabled && !d.caption.trim().is_empty())
        .filter(|d| {
            matches!(
                CustomKind::of(d.field),
                CustomKind::Lookup | CustomKind::Text
            )
        })
        .map(|d| CustomInput {
            name: format!("custom{}", d.field),
            caption: d.caption.clone(),
            value: value_of(d.field),
            required: d.required,
            lookups: (CustomKind::of(d.field) == CustomKind::Lookup)
                .then(|| format!("/libraries/{library}/lookups/{}", d.field)),
        })
        .collect()
}

/// GET /documents/{id}/profile: the form, filled with the latest version's profile.
pub async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> PageResult {
    let caller = signed.caller();
    let r = document_ref(&id)?;
    let (v, ops) = state.dossier.document_operations(caller, &r).await?;
    if !ops.editable {
        return Err(page::forbidden("You may not change this document's profile.").into());
    }
    let doc = v.doc;
    let defs = state.dossier.custom_fields(caller, &r.library).await?;
    let customs = custom_inputs(&defs, &r.library, |n| match doc.customs.get(n) {
        Some(CustomValue::Text(s)) => s.clone(),
        _ => String::new(),
    });
    let back = page_of(&r);
    Ok(page::ok(&ProfilePage {
        chrome: Chrome::of(&signed.0),
        action: format!("{back}/profile"),
        back,
        title: doc.name.clone(),
        name: doc.name,
        comment: doc.comment,
        class: doc.class,
        subclass: doc.subclass.unwrap_or_default(),
        author: doc.author,
        customs,
    }))
}

/// POST /documents/{id}/profile: the changes, checked by the service as an API's are.
pub async fn save(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let r = document_ref(&id)?;
    // Only the fields the form has; anything else posted is refused, not ignored.
    let known = |k: &str| {
        matches!(
            k,
            "csrf" | "name" | "comment" | "class" | "subclass" | "author"
        ) || k
            .strip_prefix("custom")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| {
                (1..=30).contains(&n)
                    && matches!(CustomKind::of(n), CustomKind::Lookup | CustomKind::Text)
            })
    };
    if let Some(k) = fields.keys().find(|k| !known(k)) {
        return Err(DomainError::invalid(k, format!("{k} cannot be changed here")).into());
    }
    let body = form::object(fields);
    let changes = wire::document_changes(&body)?;
    state
        .dossier
        .update_document(signed.caller(), &r, &changes, "")
        .await?;
    Ok(page::done(&headers, &page_of(&r)))
}

/// GET /libraries/{library}/lookups/{field}?custom{field}=…: a lookup picker's suggestions
/// (the `<option>`s of its datalist) for what the user typed.
pub async fn suggest(
    State(state): State<AppState>,
    signed: Signed,
    Path((library, field)): Path<(String, usize)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let caller = signed.caller();
    if !(1..=30).contains(&field) || CustomKind::of(field) != CustomKind::Lookup {
        return Err(Failure::from(page::not_found()));
    }
    let lib = state
        .dossier
        .library(caller, caller.customer_id, &library)
        .await?;
    let typed = form::typed(&q, &format!("custom{field}"));
    let found = state
        .dossier
        .lookups(
            caller,
            &lib,
            field,
            None,
            typed,
            Page {
                limit: SUGGESTED,
                ..Page::default()
            },
        )
        .await?;
    Ok(page::ok(&form::Suggestions {
        options: found
            .into_iter()
            .filter(|l| l.enabled)
            .map(|l| (l.alias, l.description))
            .collect(),
    }))
}
