//! Fields of a JSON request body, read strictly: a text field takes a JSON string, a count
//! a JSON integer, a switch a JSON boolean. A wrong type is a 400 naming the field, never
//! coerced (`{"name":123}` once created a workspace named "123") nor read as absent (a
//! history entry's numeric `comments` once became an empty comment). Free text longer than
//! its limit is refused, not cut.
//!
//! Every JSON surface reads its bodies with these. The readers that take numbers for text
//! say why where they do it: custom values (`work::wire::scalar`), name-value pair values
//! (`work::wire::nvp_changes`), numeric access levels (`work::wire::trustees`) and history
//! activity codes (`work::wire::new_history_entry`).

use dossier_core::DomainError;
use dossier_core::limits::check_len;
use serde_json::{Map, Value};

type Result<T> = std::result::Result<T, DomainError>;

pub type Obj = Map<String, Value>;

/// A text field; `None` when absent or null.
pub fn text(obj: &Obj, key: &str) -> Result<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(DomainError::invalid(key, format!("{key} must be a string"))),
    }
}

/// Free text of at most `max` characters; empty when absent or null.
pub fn free_text(obj: &Obj, key: &str, max: usize) -> Result<String> {
    let s = text(obj, key)?.unwrap_or_default();
    check_len(key, &s, max)?;
    Ok(s)
}

/// A whole number; `None` when absent or null.
pub fn integer(obj: &Obj, key: &str) -> Result<Option<i64>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| DomainError::invalid(key, format!("{key} must be a whole number"))),
    }
}

/// A switch; `None` when absent or null.
pub fn flag(obj: &Obj, key: &str) -> Result<Option<bool>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(DomainError::invalid(
            key,
            format!("{key} must be true or false"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Obj {
        match v {
            Value::Object(o) => o,
            _ => Obj::new(),
        }
    }

    #[test]
    fn each_reader_takes_only_its_own_json_type() {
        let o = obj(json!({"s": "x", "n": 12, "b": true, "null": null, "long": "é".repeat(5)}));
        assert_eq!(text(&o, "s").unwrap(), Some("x".into()));
        assert_eq!(text(&o, "null").unwrap(), None);
        assert_eq!(text(&o, "absent").unwrap(), None);
        assert!(text(&o, "n").is_err());
        assert!(text(&o, "b").is_err());
        assert_eq!(integer(&o, "n").unwrap(), Some(12));
        assert!(integer(&o, "s").is_err());
        assert_eq!(flag(&o, "b").unwrap(), Some(true));
        assert!(flag(&o, "s").is_err());
        assert_eq!(free_text(&o, "long", 5).unwrap(), "é".repeat(5));
        assert!(free_text(&o, "long", 4).is_err());
        assert_eq!(free_text(&o, "absent", 4).unwrap(), "");
    }
}
