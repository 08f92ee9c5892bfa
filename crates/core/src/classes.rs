//! Document classes and subclasses as a library configures them (iManage's class fields:
//! HIPAA, indexable, retain days, required fields, shadow, echo, subclass required), and
//! the filters clients list them with.

use crate::DomainError;
use crate::security::{DefaultSecurity, SecuredObject};

/// What a class and a subclass both say about the documents that carry them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassSettings {
    /// Documents are to be encrypted (HIPAA); recorded and shown, not acted on.
    pub hipaa: bool,
    /// Documents are full-text indexed.
    pub indexable: bool,
    /// Days before an inactive document is due for archiving (0: never).
    pub retain_days: i64,
    /// The custom fields (by number) a document must have a value for.
    pub required_fields: Vec<usize>,
    /// Documents are kept on the user's computer after check-in (desktop clients).
    pub shadow: bool,
    /// Documents may be echoed to a user's computer for offline work (desktop clients).
    pub echo: bool,
    /// The default security a client proposes for a new document of this class (iManage's
    /// class "default security"): public, view or private, never inherit, since a class is
    /// not a container a document could inherit from.
    pub default_security: DefaultSecurity,
}

impl Default for ClassSettings {
    /// A new class's settings: indexed and echoed, nothing required, kept for ever.
    fn default() -> Self {
        ClassSettings {
            hipaa: false,
            indexable: true,
            retain_days: 0,
            required_fields: Vec::new(),
            shadow: false,
            echo: true,
            default_security: DefaultSecurity::Public,
        }
    }
}

impl ClassSettings {
    /// A class's default security: the values a workspace may take (a class has nothing to
    /// inherit from), refused by name otherwise.
    pub fn check_default_security(d: DefaultSecurity) -> Result<DefaultSecurity, DomainError> {
        if DefaultSecurity::allowed_on(SecuredObject::Workspace).contains(&d) {
            Ok(d)
        } else {
            Err(DomainError::invalid(
                "default_security",
                "a class's default security is public, view or private",
            ))
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    pub alias: String,
    pub description: String,
    pub settings: ClassSettings,
    /// A document of this class must name one of its subclasses.
    pub subclass_required: bool,
}

impl Class {
    /// A class with the default settings.
    pub fn new(alias: &str, description: &str) -> Class {
        Class {
            alias: alias.to_string(),
            description: description.to_string(),
            settings: ClassSettings::default(),
            subclass_required: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subclass {
    pub class: String,
    pub alias: String,
    pub description: String,
    pub settings: ClassSettings,
}

impl Subclass {
    /// A subclass with the default settings.
    pub fn new(class: &str, alias: &str, description: &str) -> Subclass {
        Subclass {
            class: class.to_string(),
            alias: alias.to_string(),
            description: description.to_string(),
            settings: ClassSettings::default(),
        }
    }
}

/// The filters of `GET …/classes` and `…/subclasses`, as iManage's clients send them.
/// Text matching ignores case; `*` stands for any run of characters.
#[derive(Clone, Debug, Default)]
pub struct ClassFilter {
    /// Ids, any of which may match; each matches as a part of the id, or as a pattern
    /// when it holds a `*`.
    pub aliases: Vec<String>,
    /// The whole description, or a pattern when it holds a `*`.
    pub description: Option<String>,
    /// A part of the id or of the description (or a pattern).
    pub query: Option<String>,
    pub hipaa: Option<bool>,
    pub indexable: Option<bool>,
    pub echo: Option<bool>,
    pub shadow: Option<bool>,
    /// Classes only: a subclass is required.
    pub subclass_required: Option<bool>,
    pub default_security: Option<DefaultSecurity>,
}

impl ClassFilter {
    pub fn admits_class(&self, c: &Class) -> bool {
        self.subclass_required
            .is_none_or(|want| want == c.subclass_required)
            && self.admits(&c.alias, &c.description, &c.settings)
    }

    pub fn admits_subclass(&self, s: &Subclass) -> bool {
        self.admits(&s.alias, &s.description, &s.settings)
    }

    fn admits(&self, alias: &str, description: &str, settings: &ClassSettings) -> bool {
        let flag = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
        (self.aliases.is_empty() || self.aliases.iter().any(|a| matches(a, alias, true)))
            && self
                .description
                .as_deref()
                .is_none_or(|d| matches(d, description, false))
            && self
                .query
                .as_deref()
                .is_none_or(|q| matches(q, alias, true) || matches(q, description, true))
            && flag(self.hipaa, settings.hipaa)
            && flag(self.indexable, settings.indexable)
            && flag(self.echo, settings.echo)
            && self
                .default_security
                .is_none_or(|d| d == settings.default_security)
            && flag(self.shadow, settings.shadow)
    }
}

/// Whether `text` matches `pattern`, ignoring case: with a `*`, as a pattern over the
/// whole text; without, as a part of it (`partial`) or the whole of it.
fn matches(pattern: &str, text: &str, partial: bool) -> bool {
    let (pattern, text) = (pattern.to_lowercase(), text.to_lowercase());
    if !pattern.contains('*') {
        return if partial {
            text.contains(&pattern)
        } else {
            text == pattern
        };
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = parts.split_first().unwrap_or((&"", &[]));
    let Some(mut left) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return left.is_empty();
    };
    for part in middle {
        match left.find(part) {
            Some(at) => left = &left[at + part.len()..],
            None => return false,
        }
    }
    left.len() >= last.len() && left.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_texts_and_plain_words_parts() {
        assert!(matches("let*", "LETTER", true));
        assert!(matches("*ter", "LETTER", true));
        assert!(matches("l*t*r", "LETTER", true));
        assert!(!matches("l*x*r", "LETTER", true));
        assert!(!matches("let*x", "LETTER", true));
        assert!(matches("*", "", true));
        assert!(matches("ett", "LETTER", true));
        assert!(
            !matches("ett", "LETTER", false),
            "a description matches whole"
        );
        assert!(matches("letter", "Letter", false));
        assert!(
            !matches("a*a", "a", true),
            "prefix and suffix may not overlap"
        );
    }

    #[test]
    fn a_filter_takes_every_criterion_sent() {
        let mut letter = Class::new("LETTER", "Correspondence");
        letter.settings.hipaa = true;
        letter.subclass_required = true;
        let memo = Class::new("MEMO", "Internal memo");
        let by_alias = ClassFilter {
            aliases: vec!["memo".into(), "let*".into()],
            ..Default::default()
        };
        assert!(by_alias.admits_class(&letter) && by_alias.admits_class(&memo));
        let hipaa = ClassFilter {
            hipaa: Some(true),
            ..Default::default()
        };
        assert!(hipaa.admits_class(&letter) && !hipaa.admits_class(&memo));
        let query = ClassFilter {
            query: Some("corr".into()),
            subclass_required: Some(true),
            ..Default::default()
        };
        assert!(query.admits_class(&letter) && !query.admits_class(&memo));
        let description = ClassFilter {
            description: Some("internal*".into()),
            ..Default::default()
        };
        assert!(description.admits_class(&memo) && !description.admits_class(&letter));
    }

    #[test]
    fn a_class_never_inherits_its_default_security() {
        for d in [
            DefaultSecurity::Public,
            DefaultSecurity::View,
            DefaultSecurity::Private,
        ] {
            assert_eq!(ClassSettings::check_default_security(d).ok(), Some(d));
        }
        assert!(ClassSettings::check_default_security(DefaultSecurity::Inherit).is_err());
        let mut private = Class::new("MEMO", "Memos");
        private.settings.default_security = DefaultSecurity::Private;
        let filter = ClassFilter {
            default_security: Some(DefaultSecurity::Private),
            ..Default::default()
        };
        assert!(filter.admits_class(&private));
        assert!(!filter.admits_class(&Class::new("LETTER", "Letters")));
    }
}
