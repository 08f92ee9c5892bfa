//! A posted form as the Work API's wire parsers read a JSON body: each field a string, so
//! a form and an API request are checked by the same rules (dates, lengths, aliases). And
//! the pickers' side: what the user typed, and the suggestions sent back.

use std::collections::HashMap;

use askama::Template;
use dossier_api::fields::Obj;
use serde_json::Value;

/// The form's fields, less the CSRF token (the session layer checked it).
pub fn object(form: HashMap<String, String>) -> Obj {
    form.into_iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// What the user typed in a picker named `key` (htmx sends the input's own name and value).
pub fn typed<'a>(query: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    query.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A picker's suggestions: the `<option>`s (value, label) of its `<datalist>`.
#[derive(Template)]
#[template(path = "_options.html")]
pub struct Suggestions {
    pub options: Vec<(String, String)>,
}
