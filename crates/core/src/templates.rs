//! Workspace templates and how a library opens matters from them: which folders of a
//! template a new workspace gets, and which template a matter type maps to.

use std::collections::BTreeMap;

use crate::custom::{CustomKind, CustomValues};
use crate::{ContainerId, DomainError};

/// Which folders of a template's tree a workspace made from it gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TemplateFolders {
    /// The whole tree: tabs, folders and search folders.
    #[default]
    All,
    /// The folders marked required, and whatever lies above them so they have a place.
    RequiredOnly,
}

impl TemplateFolders {
    /// The names clients send: ours (`all`, `required`) and the connector's
    /// ("All Folders", "Only Required Folders").
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" | "all folders" => Ok(TemplateFolders::All),
            "required" | "only required folders" | "required only" => {
                Ok(TemplateFolders::RequiredOnly)
            }
            _ => Err(DomainError::invalid(
                field,
                format!(
                    "'{s}' is not one of: all, required (\"All Folders\", \"Only Required Folders\")"
                ),
            )),
        }
    }
}

/// The template a new workspace starts from, when the caller names one.
#[derive(Clone, Debug, Default)]
pub struct TemplateChoice {
    /// The template; `None` lets the library's matter-type mapping choose.
    pub template: Option<ContainerId>,
    pub folders: TemplateFolders,
}

/// How a library opens matters: the profile field that names a matter's type, the template
/// each type opens with, the template for a type nobody mapped, and whether a client and
/// matter pair may have only one workspace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MatterSettings {
    /// The custom field (1–30) holding the matter type: a lookup or text field.
    pub matter_type_field: Option<usize>,
    /// Matter type (upper-cased, as lookup values compare) → template number.
    pub templates: BTreeMap<String, i64>,
    pub default_template: Option<i64>,
    /// A second workspace for the same client and matter is refused with the first's id.
    pub unique_matters: bool,
}

impl MatterSettings {
    /// The field that can name a matter type: one holding text.
    pub fn check_matter_type_field(n: usize) -> Result<(), DomainError> {
        match CustomKind::of(n) {
            CustomKind::Lookup | CustomKind::Text => Ok(()),
            _ => Err(DomainError::invalid(
                "matter_type_field",
                format!("custom{n} does not hold text; a matter type is a lookup or text field"),
            )),
        }
    }

    /// The key a matter type is mapped under.
    pub fn matter_type_key(value: &str) -> String {
        value.trim().to_uppercase()
    }

    /// The template a workspace with these profile values opens with when nobody named one:
    /// its matter type's, else the default (`None`: a workspace without a template).
    pub fn template_for(&self, customs: &CustomValues) -> Option<i64> {
        self.matter_type_field
            .and_then(|n| customs.get(n))
            .and_then(|v| v.as_text())
            .and_then(|t| self.templates.get(&Self::matter_type_key(t)))
            .copied()
            .or(self.default_template)
    }

    /// The matter types mapped to `template`.
    pub fn types_of(&self, template: i64) -> Vec<&str> {
        self.templates
            .iter()
            .filter(|(_, t)| **t == template)
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomValue;

    fn settings() -> MatterSettings {
        MatterSettings {
            matter_type_field: Some(3),
            templates: [("LITIGATION".to_string(), 7), ("CORPORATE".to_string(), 9)].into(),
            default_template: Some(5),
            unique_matters: false,
        }
    }

    fn with_type(t: &str) -> CustomValues {
        let mut c = CustomValues::default();
        c.set(3, Some(CustomValue::Text(t.into())));
        c
    }

    #[test]
    fn a_mapped_type_opens_with_its_template_and_any_other_with_the_default() {
        let s = settings();
        assert_eq!(s.template_for(&with_type("LITIGATION")), Some(7));
        assert_eq!(s.template_for(&with_type("Corporate")), Some(9));
        assert_eq!(s.template_for(&with_type("TAX")), Some(5));
        assert_eq!(s.template_for(&CustomValues::default()), Some(5));
        let bare = MatterSettings {
            default_template: None,
            ..settings()
        };
        assert_eq!(bare.template_for(&with_type("TAX")), None);
        assert_eq!(
            MatterSettings::default().template_for(&with_type("X")),
            None
        );
    }

    #[test]
    fn folder_choices_read_both_spellings_and_refuse_others() {
        for (s, want) in [
            ("all", TemplateFolders::All),
            ("All Folders", TemplateFolders::All),
            ("Only Required Folders", TemplateFolders::RequiredOnly),
            ("required", TemplateFolders::RequiredOnly),
        ] {
            assert_eq!(TemplateFolders::parse("f", s).unwrap(), want);
        }
        assert!(TemplateFolders::parse("f", "some").is_err());
    }

    #[test]
    fn only_text_fields_name_matter_types() {
        assert!(MatterSettings::check_matter_type_field(3).is_ok());
        assert!(MatterSettings::check_matter_type_field(14).is_ok());
        assert!(MatterSettings::check_matter_type_field(18).is_err());
        assert!(MatterSettings::check_matter_type_field(26).is_err());
    }
}
