//! custom1–custom30 and their fixed kinds: 1–12, 29 and 30 are lookups (alias into a
//! per-library table, with custom2 a child of custom1 and custom30 a child of custom29),
//! 13–16 text, 17–20 numbers, 21–24 timestamps, 25–28 booleans.

use chrono::{DateTime, Utc};
use serde::ser::{Serialize, Serializer};

use crate::error::DomainError;
use crate::limits::{ALIAS_MAX, CUSTOM_TEXT_MAX, check_len};

pub const CUSTOM_COUNT: usize = 30;

/// The field holding the client (a lookup): what client walls and access reports match.
pub const CLIENT: usize = 1;
/// The field holding the matter (a lookup, child of the client).
pub const MATTER: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomKind {
    Lookup,
    Text,
    Number,
    Timestamp,
    Boolean,
}

impl CustomKind {
    /// The kind of customN (1-based). Callers only pass 1..=30.
    pub fn of(n: usize) -> CustomKind {
        match n {
            1..=12 | 29 | 30 => CustomKind::Lookup,
            13..=16 => CustomKind::Text,
            17..=20 => CustomKind::Number,
            21..=24 => CustomKind::Timestamp,
            _ => CustomKind::Boolean,
        }
    }
}

/// The parent lookup field of a child lookup field: custom2 → custom1, custom30 → custom29.
pub fn parent_of(n: usize) -> Option<usize> {
    match n {
        2 => Some(1),
        30 => Some(29),
        _ => None,
    }
}

/// Lookup fields whose tables an administrator maintains.
pub fn is_lookup(n: usize) -> bool {
    CustomKind::of(n) == CustomKind::Lookup
}

#[derive(Clone, Debug, PartialEq)]
pub enum CustomValue {
    /// A lookup alias (stored upper-case, as iManage does) or free text.
    Text(String),
    Number(f64),
    Timestamp(DateTime<Utc>),
    Boolean(bool),
}

/// A scalar as a client sent it for a custom field, whatever its wire format: the input of
/// `CustomValue::from_scalar`. Numbers keep the text they were written as, since lookup
/// aliases and text fields take a number as the text it spells.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Text(String),
    Number(String),
    Bool(bool),
    /// A list or an object: never a custom value.
    Composite,
}

impl CustomValue {
    /// Reads the value a client sent for customN in the field's kind. Null and `""` clear
    /// the field.
    pub fn from_scalar(n: usize, value: Scalar) -> Result<Option<CustomValue>, DomainError> {
        let field = format!("custom{n}");
        if matches!(&value, Scalar::Null) || matches!(&value, Scalar::Text(s) if s.is_empty()) {
            return Ok(None);
        }
        let bad = |what: &str| DomainError::invalid(&field, format!("{field} must be {what}"));
        // Lookup aliases and text are often client and matter numbers, which integrations
        // send as numbers: they are taken as the text they spell. Other types are not.
        let text = |value: &Scalar| match value {
            Scalar::Text(s) => Some(s.trim().to_string()),
            Scalar::Number(n) => Some(n.clone()),
            _ => None,
        };
        Ok(Some(match CustomKind::of(n) {
            CustomKind::Lookup => {
                let s = text(&value).ok_or_else(|| bad("a lookup alias"))?;
                check_len(&field, &s, ALIAS_MAX)?;
                CustomValue::Text(s.to_uppercase())
            }
            CustomKind::Text => {
                let s = text(&value).ok_or_else(|| bad("text"))?;
                check_len(&field, &s, CUSTOM_TEXT_MAX)?;
                CustomValue::Text(s)
            }
            CustomKind::Number => {
                let n = match &value {
                    Scalar::Number(n) => n.parse::<f64>().ok(),
                    Scalar::Text(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                }
                .filter(|f| f.is_finite())
                .ok_or_else(|| bad("a number"))?;
                CustomValue::Number(n)
            }
            CustomKind::Timestamp => {
                let Scalar::Text(s) = &value else {
                    return Err(bad("an ISO-8601 date-time"));
                };
                CustomValue::Timestamp(
                    parse_timestamp(s).ok_or_else(|| bad("an ISO-8601 date-time"))?,
                )
            }
            CustomKind::Boolean => CustomValue::Boolean(match &value {
                Scalar::Bool(b) => *b,
                Scalar::Text(s) if s.eq_ignore_ascii_case("true") || s == "Y" || s == "1" => true,
                Scalar::Text(s) if s.eq_ignore_ascii_case("false") || s == "N" || s == "0" => false,
                _ => return Err(bad("true or false")),
            }),
        }))
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            CustomValue::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// ISO-8601 / RFC 3339, also accepting a bare date (`2024-05-01`) as midnight UTC.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
}

/// The date format of every API response: ISO-8601 UTC with milliseconds.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// custom1..custom30 of one profile; index 0 holds custom1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomValues(pub [Option<CustomValue>; CUSTOM_COUNT]);

impl CustomValues {
    pub fn get(&self, n: usize) -> Option<&CustomValue> {
        self.0.get(n.wrapping_sub(1)).and_then(Option::as_ref)
    }

    /// The client alias (custom1), if set.
    pub fn client(&self) -> Option<&str> {
        self.get(CLIENT).and_then(CustomValue::as_text)
    }

    /// The matter alias (custom2), if set.
    pub fn matter(&self) -> Option<&str> {
        self.get(MATTER).and_then(CustomValue::as_text)
    }

    pub fn set(&mut self, n: usize, value: Option<CustomValue>) {
        if let Some(slot) = self.0.get_mut(n.wrapping_sub(1)) {
            *slot = value;
        }
    }
}

/// The values a list of (field, value) pairs leaves on an empty profile, the later pair
/// winning.
impl FromIterator<(usize, Option<CustomValue>)> for CustomValues {
    fn from_iter<I: IntoIterator<Item = (usize, Option<CustomValue>)>>(pairs: I) -> Self {
        let mut values = CustomValues::default();
        for (n, v) in pairs {
            values.set(n, v);
        }
        values
    }
}

/// A custom value as every surface writes it: text, a number, a date-time in the API's
/// format, or a boolean.
impl Serialize for CustomValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CustomValue::Text(t) => s.serialize_str(t),
            // A non-finite number is never stored (`from_scalar` refuses it); null if one was.
            CustomValue::Number(n) if n.is_finite() => s.serialize_f64(*n),
            CustomValue::Number(_) => s.serialize_none(),
            CustomValue::Timestamp(t) => s.serialize_str(&format_timestamp(*t)),
            CustomValue::Boolean(b) => s.serialize_bool(*b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Scalar {
        Scalar::Text(s.into())
    }

    #[test]
    fn kinds_are_fixed() {
        assert_eq!(CustomKind::of(1), CustomKind::Lookup);
        assert_eq!(CustomKind::of(30), CustomKind::Lookup);
        assert_eq!(CustomKind::of(13), CustomKind::Text);
        assert_eq!(CustomKind::of(20), CustomKind::Number);
        assert_eq!(CustomKind::of(21), CustomKind::Timestamp);
        assert_eq!(CustomKind::of(28), CustomKind::Boolean);
        assert_eq!(parent_of(2), Some(1));
        assert_eq!(parent_of(30), Some(29));
    }

    #[test]
    fn values_parse_in_their_kind() {
        assert_eq!(
            CustomValue::from_scalar(1, text("acme")).unwrap(),
            Some(CustomValue::Text("ACME".into()))
        );
        assert_eq!(
            CustomValue::from_scalar(17, text("12.5")).unwrap(),
            Some(CustomValue::Number(12.5))
        );
        assert!(CustomValue::from_scalar(17, text("many")).is_err());
        assert!(CustomValue::from_scalar(21, text("yesterday")).is_err());
        assert!(
            CustomValue::from_scalar(21, text("2024-01-02T03:04:05Z"))
                .unwrap()
                .is_some()
        );
        assert_eq!(
            CustomValue::from_scalar(25, Scalar::Bool(true)).unwrap(),
            Some(CustomValue::Boolean(true))
        );
        assert!(CustomValue::from_scalar(25, text("maybe")).is_err());
        assert_eq!(CustomValue::from_scalar(3, text("")).unwrap(), None);
        assert_eq!(
            CustomValue::from_scalar(1, Scalar::Number("1042".into())).unwrap(),
            Some(CustomValue::Text("1042".into())),
            "a client number is the text it spells"
        );
        assert!(CustomValue::from_scalar(13, Scalar::Composite).is_err());
    }

    #[test]
    fn client_and_matter_are_custom1_and_custom2() {
        let mut c = CustomValues::default();
        assert_eq!((c.client(), c.matter()), (None, None));
        c.set(1, Some(CustomValue::Text("ACME".into())));
        c.set(2, Some(CustomValue::Text("0001".into())));
        c.set(29, Some(CustomValue::Text("OTHER".into())));
        assert_eq!((c.client(), c.matter()), (Some("ACME"), Some("0001")));
        assert_eq!(parent_of(MATTER), Some(CLIENT));
    }
}
