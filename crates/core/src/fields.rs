//! Custom field definitions per library (caption, enabled, required, lookup validation)
//! and the one rule of required fields: a document must have a value for every field its
//! library, its class or its subclass requires, and a subclass when its class says so.

use crate::classes::{Class, Subclass};
use crate::custom::{CLIENT, CUSTOM_COUNT, CustomValues, MATTER, is_lookup};
use crate::error::{DomainError, FieldError};
use crate::limits::{DESCRIPTION_MAX, check_len};

/// How a library defines one of custom1–custom30.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomFieldDefinition {
    /// 1..=30.
    pub field: usize,
    /// The label forms and mapping screens show ("Matter Type"); empty when unnamed.
    pub caption: String,
    /// A disabled field takes no values.
    pub enabled: bool,
    /// Every document must have a value (while the field is enabled).
    pub required: bool,
    /// Lookup fields only: values must be entries of the field's lookup table. Off, any
    /// alias is taken.
    pub lookup_validated: bool,
}

impl CustomFieldDefinition {
    /// A library's definition of a field it never changed: enabled, optional, validated,
    /// and named only where the code itself gives the field a meaning (client, matter).
    pub fn default_for(field: usize) -> CustomFieldDefinition {
        let caption = match field {
            CLIENT => "Client",
            MATTER => "Matter",
            _ => "",
        };
        CustomFieldDefinition {
            field,
            caption: caption.to_string(),
            enabled: true,
            required: false,
            lookup_validated: true,
        }
    }
}

/// Changes to a field's definition; `None` leaves a part as it is.
#[derive(Clone, Debug, Default)]
pub struct CustomFieldChanges {
    pub caption: Option<String>,
    pub enabled: Option<bool>,
    pub required: Option<bool>,
    pub lookup_validated: Option<bool>,
}

/// All thirty definitions of one library, in field order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDefinitions(Vec<CustomFieldDefinition>);

impl FieldDefinitions {
    /// The library's definitions: the stored ones, the defaults for the rest.
    pub fn from_stored(stored: Vec<CustomFieldDefinition>) -> FieldDefinitions {
        FieldDefinitions(
            (1..=CUSTOM_COUNT)
                .map(|n| {
                    stored
                        .iter()
                        .find(|d| d.field == n)
                        .cloned()
                        .unwrap_or_else(|| CustomFieldDefinition::default_for(n))
                })
                .collect(),
        )
    }

    pub fn all(&self) -> &[CustomFieldDefinition] {
        &self.0
    }

    /// The definition of customN; `None` outside 1..=30.
    pub fn get(&self, field: usize) -> Option<&CustomFieldDefinition> {
        self.0.get(field.wrapping_sub(1))
    }

    /// The field with this caption, ignoring case ("which field holds the matter type").
    pub fn by_caption(&self, caption: &str) -> Option<&CustomFieldDefinition> {
        let caption = caption.trim();
        self.0
            .iter()
            .find(|d| !d.caption.is_empty() && d.caption.eq_ignore_ascii_case(caption))
    }

    /// Applies changes to one field, refusing what the library may not hold: a caption
    /// another field has, a caption too long, lookup validation on a field without a table.
    pub fn change(
        &self,
        field: usize,
        changes: CustomFieldChanges,
    ) -> Result<CustomFieldDefinition, DomainError> {
        let mut d = self
            .get(field)
            .cloned()
            .ok_or_else(|| DomainError::not_found(format!("custom field custom{field}")))?;
        if let Some(caption) = changes.caption {
            let caption = caption.trim().to_string();
            check_len("caption", &caption, DESCRIPTION_MAX)?;
            if let Some(other) = self.by_caption(&caption).filter(|o| o.field != field) {
                return Err(DomainError::Conflict(format!(
                    "custom{} already has the caption '{}'",
                    other.field, other.caption
                )));
            }
            d.caption = caption;
        }
        if let Some(v) = changes.lookup_validated {
            if !is_lookup(field) {
                return Err(DomainError::invalid(
                    "lookup_enabled",
                    format!("custom{field} has no lookup table"),
                ));
            }
            d.lookup_validated = v;
        }
        d.enabled = changes.enabled.unwrap_or(d.enabled);
        d.required = changes.required.unwrap_or(d.required);
        Ok(d)
    }
}

/// `customN` → N, for a field named in a request or a URL.
pub fn field_number(name: &str) -> Option<usize> {
    name.trim()
        .to_ascii_lowercase()
        .strip_prefix("custom")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=CUSTOM_COUNT).contains(n))
}

/// Reads a list of required field names (`["custom3", "custom5"]`), in order, once each.
pub fn required_fields<'a>(
    key: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<usize>, DomainError> {
    let mut out = Vec::new();
    for name in names {
        let n = field_number(name).ok_or_else(|| {
            DomainError::invalid(
                key,
                format!("'{name}' is not a custom field (custom1 to custom{CUSTOM_COUNT})"),
            )
        })?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// Checks a document's values against what its library, class and subclass require. Every
/// missing field is named, with who requires it.
pub fn check_required(
    customs: &CustomValues,
    class: Option<&Class>,
    subclass: Option<&Subclass>,
    has_subclass: bool,
    fields: &FieldDefinitions,
) -> Result<(), DomainError> {
    let mut missing: Vec<FieldError> = Vec::new();
    if let Some(c) = class.filter(|c| c.subclass_required && !has_subclass) {
        missing.push(FieldError {
            field: "subclass".into(),
            code: "required",
            message: format!("a subclass is required by class {}", c.alias),
        });
    }
    let mut require = |n: usize, by: String| {
        let field = format!("custom{n}");
        let enabled = fields.get(n).is_none_or(|d| d.enabled);
        if enabled && customs.get(n).is_none() && !missing.iter().any(|m| m.field == field) {
            missing.push(FieldError {
                message: format!("{field} is required by {by}"),
                field,
                code: "required",
            });
        }
    };
    for d in fields.all().iter().filter(|d| d.required) {
        require(d.field, "the library".into());
    }
    if let Some(c) = class {
        for n in &c.settings.required_fields {
            require(*n, format!("class {}", c.alias));
        }
    }
    if let Some(s) = subclass {
        for n in &s.settings.required_fields {
            require(*n, format!("subclass {} of class {}", s.alias, s.class));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(DomainError::Invalid {
        message: missing
            .iter()
            .map(|m| m.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        fields: missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomValue;

    fn letter() -> Class {
        let mut c = Class::new("LETTER", "Letter");
        c.settings.required_fields = vec![3];
        c
    }

    #[test]
    fn a_missing_required_field_is_named_with_who_requires_it() {
        let fields = FieldDefinitions::from_stored(vec![]);
        let mut values = CustomValues::default();
        let e = check_required(&values, Some(&letter()), None, false, &fields).unwrap_err();
        assert_eq!(e.to_string(), "custom3 is required by class LETTER");
        values.set(3, Some(CustomValue::Text("X".into())));
        assert!(check_required(&values, Some(&letter()), None, false, &fields).is_ok());
    }

    #[test]
    fn library_subclass_and_subclass_requirements_add_up() {
        let mut stored = CustomFieldDefinition::default_for(5);
        stored.required = true;
        let mut disabled = CustomFieldDefinition::default_for(6);
        disabled.required = true;
        disabled.enabled = false;
        let fields = FieldDefinitions::from_stored(vec![stored, disabled]);
        let mut class = letter();
        class.subclass_required = true;
        let mut sub = Subclass::new("LETTER", "NDA", "");
        sub.settings.required_fields = vec![3, 13];
        let e = check_required(
            &CustomValues::default(),
            Some(&class),
            Some(&sub),
            false,
            &fields,
        )
        .unwrap_err();
        let DomainError::Invalid { fields: named, .. } = &e else {
            panic!("{e:?}");
        };
        let named: Vec<&str> = named.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            named,
            ["subclass", "custom5", "custom3", "custom13"],
            "each once, a disabled field never"
        );
    }

    #[test]
    fn captions_are_unique_in_a_library() {
        let defs = FieldDefinitions::from_stored(vec![]);
        assert_eq!(defs.get(1).map(|d| d.caption.as_str()), Some("Client"));
        let caption = |c: &str| CustomFieldChanges {
            caption: Some(c.into()),
            ..Default::default()
        };
        assert!(matches!(
            defs.change(3, caption("client")),
            Err(DomainError::Conflict(_))
        ));
        let d = defs.change(3, caption(" Matter Type ")).unwrap();
        assert_eq!(d.caption, "Matter Type");
        assert!(defs.change(1, caption("Client")).is_ok(), "its own caption");
        let no_table = CustomFieldChanges {
            lookup_validated: Some(false),
            ..Default::default()
        };
        assert!(defs.change(13, no_table).is_err());
        assert_eq!(
            FieldDefinitions::from_stored(vec![d])
                .by_caption("matter type")
                .map(|d| d.field),
            Some(3)
        );
    }

    #[test]
    fn field_names_read_as_numbers() {
        assert_eq!(field_number("custom3"), Some(3));
        assert_eq!(field_number("Custom30"), Some(30));
        assert_eq!(field_number("custom31"), None);
        assert_eq!(field_number("name"), None);
        assert_eq!(
            required_fields("required_fields", ["custom3", "custom3", "custom1"]).unwrap(),
            vec![3, 1]
        );
        assert!(required_fields("required_fields", ["comment"]).is_err());
    }
}
