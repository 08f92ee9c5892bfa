//! A posted form as the Work API's wire parsers read a JSON body: each field a string, so
//! a form and an API request are checked by the same rules (dates, lengths, aliases).

use std::collections::HashMap;

use dossier_api::fields::Obj;
use serde_json::Value;

/// The form's fields, less the CSRF token (the session layer checked it).
pub fn object(form: HashMap<String, String>) -> Obj {
    form.into_iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}
