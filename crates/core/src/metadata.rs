//! Extended metadata: a library's catalogue of typed properties (iManage's newer cloud has
//! typed families, `lookup1..10`, `mv_taxonomy1..10`, `user1..3`, …; here a firm names its
//! own, e.g. `practice_area`), the taxonomy trees taxonomy properties take their values
//! from, and the rules a document's values must follow. Pure rules; the service checks what
//! needs the database (that a user or a taxonomy node exists).

use std::collections::{HashMap, HashSet};

use crate::DomainError;

/// Longest property, taxonomy or node id.
pub const ID_MAX: usize = 64;
/// Longest caption or node label.
pub const CAPTION_MAX: usize = 254;
/// Longest text value.
pub const TEXT_VALUE_MAX: usize = 1024;
/// Most values one multi-valued property holds on a document.
pub const VALUES_MAX: usize = 100;
/// Most entries of a lookup property's list.
pub const LOOKUP_VALUES_MAX: usize = 5000;
/// Most nodes one taxonomy import may bring (the request body is capped as well).
pub const IMPORT_NODES_MAX: usize = 20_000;
/// Deepest tree an import may describe.
pub const IMPORT_DEPTH_MAX: usize = 32;

fn check_id(field: &str, what: &str, raw: &str) -> Result<(), DomainError> {
    let ok = !raw.is_empty()
        && raw.len() <= ID_MAX
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!("{what} must be 1 to {ID_MAX} letters, digits, '_', '-' or '.'; got {raw:?}"),
        ))
    }
}

/// A property's id in the library's catalogue (`practice_area`): case-insensitive, kept in
/// lower case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropertyId(String);

impl PropertyId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        check_id("id", "a property id", raw)?;
        Ok(PropertyId(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A taxonomy's id in its library (`practice_areas`): case-insensitive, kept in lower case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxonomyId(String);

impl TaxonomyId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        check_id("taxonomy", "a taxonomy id", raw)?;
        Ok(TaxonomyId(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A node's id in its taxonomy (`IP.PATENTS`): what documents store, as given.
pub fn check_node_id(raw: &str) -> Result<(), DomainError> {
    check_id("id", "a taxonomy node id", raw)
}

/// What values a property takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    Text,
    Number,
    /// A date, or a date and time (kept as UTC).
    Date,
    Boolean,
    /// One of the property's own list of values.
    Lookup,
    /// The id of a user of the customer.
    User,
    /// A node of the property's taxonomy.
    Taxonomy,
}

impl PropertyKind {
    pub const ALL: [PropertyKind; 7] = [
        PropertyKind::Text,
        PropertyKind::Number,
        PropertyKind::Date,
        PropertyKind::Boolean,
        PropertyKind::Lookup,
        PropertyKind::User,
        PropertyKind::Taxonomy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PropertyKind::Text => "text",
            PropertyKind::Number => "number",
            PropertyKind::Date => "date",
            PropertyKind::Boolean => "boolean",
            PropertyKind::Lookup => "lookup",
            PropertyKind::User => "user",
            PropertyKind::Taxonomy => "taxonomy",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                DomainError::invalid(
                    "kind",
                    format!("kind must be one of {}; got {raw:?}", names.join(", ")),
                )
            })
    }
}

/// A property of the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    pub id: PropertyId,
    pub caption: String,
    pub kind: PropertyKind,
    /// Takes several values on one document.
    pub multi: bool,
    /// A new document needs a value, and no document's may be cleared.
    pub required: bool,
    /// A disabled property keeps its values but takes no new ones.
    pub enabled: bool,
    /// For lookups: the allowed values, in the order a picker shows them.
    pub lookup_values: Vec<String>,
    /// For taxonomy properties: the taxonomy whose nodes are its values.
    pub taxonomy: Option<TaxonomyId>,
    /// Its number in its connector slot family (`3` of `text3`, see `SlotFamily`), given
    /// once by the service and kept while the family stays the same; `None` when the
    /// family is full or the kind has no slots.
    pub slot: Option<usize>,
}

impl Property {
    /// The connector's name for this property (`text3`, `mv_taxonomy1`), if it has one.
    pub fn slot(&self) -> Option<Slot> {
        let family = SlotFamily::of(self.kind, self.multi)?;
        self.slot
            .filter(|n| (1..=family.capacity()).contains(n))
            .map(|n| Slot { family, n })
    }

    /// The catalogue rules of one property: a caption; lookup values for lookups only,
    /// without duplicates (case-insensitive); a taxonomy for taxonomy properties only.
    pub fn check(&self) -> Result<(), DomainError> {
        if self.caption.trim().is_empty() {
            return Err(DomainError::required("caption"));
        }
        crate::limits::check_len("caption", &self.caption, CAPTION_MAX)?;
        match (self.kind, self.lookup_values.is_empty()) {
            (PropertyKind::Lookup, true) => {
                return Err(DomainError::invalid(
                    "lookup_values",
                    "a lookup property needs its list of values",
                ));
            }
            (PropertyKind::Lookup, false) => {}
            (_, false) => {
                return Err(DomainError::invalid(
                    "lookup_values",
                    "only lookup properties have a list of values",
                ));
            }
            _ => {}
        }
        if self.lookup_values.len() > LOOKUP_VALUES_MAX {
            return Err(DomainError::invalid(
                "lookup_values",
                format!("a lookup list holds at most {LOOKUP_VALUES_MAX} values"),
            ));
        }
        let mut seen = HashSet::new();
        for v in &self.lookup_values {
            if v.trim().is_empty() {
                return Err(DomainError::invalid(
                    "lookup_values",
                    "a lookup value may not be empty",
                ));
            }
            crate::limits::check_len("lookup_values", v, CAPTION_MAX)?;
            if !seen.insert(match_key(v)) {
                return Err(DomainError::invalid(
                    "lookup_values",
                    format!("the lookup value {v:?} is listed twice"),
                ));
            }
        }
        match (self.kind, &self.taxonomy) {
            (PropertyKind::Taxonomy, None) => Err(DomainError::required("taxonomy")),
            (PropertyKind::Taxonomy, Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => Err(DomainError::invalid(
                "taxonomy",
                "only taxonomy properties name a taxonomy",
            )),
        }
    }

    /// The values to store for `raw` on a document, each in its one stored spelling:
    /// numbers as Rust prints an `f64`, dates as RFC 3339 UTC, booleans `true`/`false`,
    /// lookups as the list spells them, user ids in upper case, text and nodes as given.
    /// Repeated values are kept once. Whether a user or a node exists is the caller's check.
    pub fn values(&self, raw: &[String]) -> Result<Vec<String>, DomainError> {
        let field = self.id.as_str();
        if !self.enabled {
            return Err(DomainError::invalid(
                field,
                format!("the property {field} is disabled and takes no values"),
            ));
        }
        if raw.len() > 1 && !self.multi {
            return Err(DomainError::invalid(
                field,
                format!(
                    "the property {field} takes one value; {} were sent",
                    raw.len()
                ),
            ));
        }
        if raw.len() > VALUES_MAX {
            return Err(DomainError::invalid(
                field,
                format!("the property {field} takes at most {VALUES_MAX} values"),
            ));
        }
        let mut out: Vec<String> = Vec::new();
        for r in raw {
            let v = self.value(r)?;
            if !out.iter().any(|o| match_key(o) == match_key(&v)) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// One value in its stored spelling (see `values`).
    pub fn value(&self, raw: &str) -> Result<String, DomainError> {
        let field = self.id.as_str();
        let bad = |why: String| DomainError::invalid(field, format!("{field}: {why}"));
        let t = raw.trim();
        if t.is_empty() {
            return Err(bad("a value may not be empty".into()));
        }
        match self.kind {
            PropertyKind::Text => {
                crate::limits::check_len(field, raw, TEXT_VALUE_MAX)?;
                Ok(raw.to_string())
            }
            PropertyKind::Number => t
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|n| n.to_string())
                .ok_or_else(|| bad(format!("{t:?} is not a number"))),
            PropertyKind::Date => crate::custom::parse_timestamp(t)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .ok_or_else(|| bad(format!("{t:?} is not a date (YYYY-MM-DD or ISO 8601)"))),
            PropertyKind::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "y" => Ok("true".into()),
                "false" | "0" | "no" | "n" => Ok("false".into()),
                _ => Err(bad(format!("{t:?} is not a boolean (true or false)"))),
            },
            PropertyKind::Lookup => self
                .lookup_values
                .iter()
                .find(|v| match_key(v) == match_key(t))
                .cloned()
                .ok_or_else(|| bad(format!("{t:?} is not one of the property's values"))),
            PropertyKind::User => {
                check_id(field, "a user id", t)?;
                Ok(t.to_ascii_uppercase())
            }
            PropertyKind::Taxonomy => {
                check_id(field, "a taxonomy node id", t)?;
                Ok(t.to_string())
            }
        }
    }
}

/// How stored values are compared in searches and for repeats: case-insensitive.
pub fn match_key(value: &str) -> String {
    value.to_lowercase()
}

/// What a catalogue update may change; `None` keeps the property's own.
#[derive(Clone, Debug, Default)]
pub struct PropertyChanges {
    pub caption: Option<String>,
    pub kind: Option<PropertyKind>,
    pub multi: Option<bool>,
    pub required: Option<bool>,
    pub enabled: Option<bool>,
    pub lookup_values: Option<Vec<String>>,
    pub taxonomy: Option<Option<TaxonomyId>>,
}

impl PropertyChanges {
    /// The property with these changes, checked.
    pub fn apply(&self, p: &Property) -> Result<Property, DomainError> {
        let mut out = p.clone();
        if let Some(c) = &self.caption {
            out.caption = c.clone();
        }
        if let Some(k) = self.kind {
            // A kind's own settings go with it unless the change sets them anew.
            if k != PropertyKind::Lookup && self.lookup_values.is_none() {
                out.lookup_values.clear();
            }
            if k != PropertyKind::Taxonomy && self.taxonomy.is_none() {
                out.taxonomy = None;
            }
            out.kind = k;
        }
        for (slot, v) in [
            (&mut out.multi, self.multi),
            (&mut out.required, self.required),
            (&mut out.enabled, self.enabled),
        ] {
            if let Some(v) = v {
                *slot = v;
            }
        }
        if let Some(v) = &self.lookup_values {
            out.lookup_values = v.clone();
        }
        if let Some(t) = &self.taxonomy {
            out.taxonomy = t.clone();
        }
        // Another family: the old number names another family's slot; the service gives
        // a free one of the new family.
        if SlotFamily::of(out.kind, out.multi) != SlotFamily::of(p.kind, p.multi) {
            out.slot = None;
        }
        out.check()?;
        Ok(out)
    }
}

/// The typed slots of the connectors' core extended metadata (iManage's `text1..10`,
/// `mv_taxonomy1..10`, …): a property's kind and whether it takes several values choose
/// its family, and each property of a family holds one numbered slot of it. The swagger's
/// `long`, `mv_url` and `mv_email_address` families have no kind here (numbers are
/// doubles, addresses text), nor do several dates, numbers or booleans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotFamily {
    Text,
    MvText,
    Double,
    Date,
    Bool,
    Lookup,
    MvLookup,
    User,
    MvUser,
    Taxonomy,
    MvTaxonomy,
}

impl SlotFamily {
    pub const ALL: [SlotFamily; 11] = [
        SlotFamily::Date,
        SlotFamily::Text,
        SlotFamily::Double,
        SlotFamily::Bool,
        SlotFamily::MvText,
        SlotFamily::User,
        SlotFamily::MvUser,
        SlotFamily::Taxonomy,
        SlotFamily::MvTaxonomy,
        SlotFamily::Lookup,
        SlotFamily::MvLookup,
    ];

    pub fn of(kind: PropertyKind, multi: bool) -> Option<SlotFamily> {
        Some(match (kind, multi) {
            (PropertyKind::Text, false) => SlotFamily::Text,
            (PropertyKind::Text, true) => SlotFamily::MvText,
            (PropertyKind::Number, false) => SlotFamily::Double,
            (PropertyKind::Date, false) => SlotFamily::Date,
            (PropertyKind::Boolean, false) => SlotFamily::Bool,
            (PropertyKind::Lookup, false) => SlotFamily::Lookup,
            (PropertyKind::Lookup, true) => SlotFamily::MvLookup,
            (PropertyKind::User, false) => SlotFamily::User,
            (PropertyKind::User, true) => SlotFamily::MvUser,
            (PropertyKind::Taxonomy, false) => SlotFamily::Taxonomy,
            (PropertyKind::Taxonomy, true) => SlotFamily::MvTaxonomy,
            (PropertyKind::Number | PropertyKind::Date | PropertyKind::Boolean, true) => {
                return None;
            }
        })
    }

    /// The slot names' stem (`mv_taxonomy` of `mv_taxonomy3`).
    pub fn stem(self) -> &'static str {
        match self {
            SlotFamily::Text => "text",
            SlotFamily::MvText => "mv_text",
            SlotFamily::Double => "double",
            SlotFamily::Date => "date",
            SlotFamily::Bool => "bool",
            SlotFamily::Lookup => "lookup",
            SlotFamily::MvLookup => "mv_lookup",
            SlotFamily::User => "user",
            SlotFamily::MvUser => "mv_user",
            SlotFamily::Taxonomy => "taxonomy",
            SlotFamily::MvTaxonomy => "mv_taxonomy",
        }
    }

    /// How many slots the family has (the swagger's `text1`–`text10`, …).
    pub fn capacity(self) -> usize {
        match self {
            SlotFamily::Text | SlotFamily::Double | SlotFamily::Date => 10,
            SlotFamily::Lookup | SlotFamily::MvTaxonomy => 10,
            SlotFamily::MvLookup => 20,
            SlotFamily::MvText | SlotFamily::Bool => 5,
            SlotFamily::MvUser => 6,
            SlotFamily::Taxonomy => 4,
            SlotFamily::User => 3,
        }
    }

    /// The lowest slot number no property in `taken` holds; `None` when all are.
    pub fn free_slot(self, taken: impl IntoIterator<Item = usize>) -> Option<usize> {
        let taken: HashSet<usize> = taken.into_iter().collect();
        (1..=self.capacity()).find(|n| !taken.contains(n))
    }
}

/// One slot: a family and a number within its capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    pub family: SlotFamily,
    pub n: usize,
}

impl Slot {
    pub fn name(self) -> String {
        format!("{}{}", self.family.stem(), self.n)
    }

    /// `mv_taxonomy3` → that slot; anything else (another word, a number outside the
    /// family, `lookup1_child`) → `None`.
    pub fn parse(raw: &str) -> Option<Slot> {
        let raw = raw.trim().to_ascii_lowercase();
        let digits = raw.trim_start_matches(|c: char| !c.is_ascii_digit());
        let stem = &raw[..raw.len() - digits.len()];
        // "007" is not a slot name the connector sends; only canonical numbers match.
        let n: usize = digits.parse().ok().filter(|_| !digits.starts_with('0'))?;
        SlotFamily::ALL
            .into_iter()
            .find(|f| f.stem() == stem)
            .filter(|f| (1..=f.capacity()).contains(&n))
            .map(|family| Slot { family, n })
    }
}

/// A change to a document's values: per property, the new values (empty: cleared).
#[derive(Clone, Debug, Default)]
pub struct MetadataChanges(pub Vec<(String, Vec<String>)>);

/// A document search's condition on one property: a stored value whose `match_key` is one
/// of `keys` (a taxonomy node's search also lists the nodes under it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataMatch {
    pub property: PropertyId,
    pub keys: Vec<String>,
}

/// A taxonomy of the library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taxonomy {
    pub id: TaxonomyId,
    pub name: String,
}

/// A node of a taxonomy tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxonomyNode {
    pub id: String,
    pub label: String,
    pub parent: Option<String>,
    pub enabled: bool,
}

/// Whether making `parent` the parent of `node` would close a cycle: it would if `node` is
/// `parent` itself or one of its ancestors. `parent_of` answers each node's parent.
pub fn closes_cycle(node: &str, parent: &str, parent_of: &HashMap<String, Option<String>>) -> bool {
    let mut at = Some(parent.to_string());
    let mut steps = 0;
    while let Some(p) = at {
        if p == node || steps > parent_of.len() {
            return true;
        }
        at = parent_of.get(&p).cloned().flatten();
        steps += 1;
    }
    false
}

/// A tree to import, as nested nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportNode {
    pub id: String,
    pub label: String,
    pub children: Vec<ImportNode>,
}

/// The nodes of an imported tree, parents before their children: ids checked and unique,
/// labels present, the size and the depth within bounds.
pub fn flatten_import(roots: &[ImportNode]) -> Result<Vec<TaxonomyNode>, DomainError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(&ImportNode, Option<&str>, usize)> =
        roots.iter().rev().map(|n| (n, None, 1)).collect();
    while let Some((n, parent, depth)) = stack.pop() {
        if depth > IMPORT_DEPTH_MAX {
            return Err(DomainError::invalid(
                "nodes",
                format!("an imported tree may be at most {IMPORT_DEPTH_MAX} levels deep"),
            ));
        }
        if out.len() == IMPORT_NODES_MAX {
            return Err(DomainError::invalid(
                "nodes",
                format!("an import may bring at most {IMPORT_NODES_MAX} nodes"),
            ));
        }
        check_node_id(&n.id)?;
        check_label(&n.label)?;
        if !seen.insert(n.id.as_str()) {
            return Err(DomainError::invalid(
                "nodes",
                format!("the node id {:?} appears twice", n.id),
            ));
        }
        out.push(TaxonomyNode {
            id: n.id.clone(),
            label: n.label.clone(),
            parent: parent.map(str::to_string),
            enabled: true,
        });
        for c in n.children.iter().rev() {
            stack.push((c, Some(&n.id), depth + 1));
        }
    }
    Ok(out)
}

pub fn check_label(label: &str) -> Result<(), DomainError> {
    if label.trim().is_empty() {
        return Err(DomainError::required("label"));
    }
    crate::limits::check_len("label", label, CAPTION_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(kind: PropertyKind, multi: bool) -> Property {
        Property {
            id: PropertyId::parse("p").unwrap(),
            caption: "P".into(),
            kind,
            multi,
            required: false,
            enabled: true,
            lookup_values: if kind == PropertyKind::Lookup {
                vec!["IP".into(), "Tax".into()]
            } else {
                vec![]
            },
            taxonomy: (kind == PropertyKind::Taxonomy).then(|| TaxonomyId::parse("t").unwrap()),
            slot: None,
        }
    }

    fn field(e: DomainError) -> String {
        match e {
            DomainError::Invalid { fields, .. } => fields[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ids_and_kinds_parse() {
        assert_eq!(
            PropertyId::parse("Practice_Area").unwrap().as_str(),
            "practice_area"
        );
        assert!(PropertyId::parse("").is_err());
        assert!(PropertyId::parse("a b").is_err());
        assert!(PropertyId::parse(&"x".repeat(65)).is_err());
        assert_eq!(PropertyKind::parse("Lookup").unwrap(), PropertyKind::Lookup);
        assert!(PropertyKind::parse("colour").is_err());
    }

    #[test]
    fn values_take_their_stored_spelling() {
        let s = |v: &str| vec![v.to_string()];
        assert_eq!(
            prop(PropertyKind::Number, false)
                .values(&s(" 12.50 "))
                .unwrap(),
            s("12.5")
        );
        assert_eq!(
            prop(PropertyKind::Date, false)
                .values(&s("2026-03-01"))
                .unwrap(),
            s("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            prop(PropertyKind::Date, false)
                .values(&s("2026-03-01T10:00:00+02:00"))
                .unwrap(),
            s("2026-03-01T08:00:00Z")
        );
        assert_eq!(
            prop(PropertyKind::Boolean, false)
                .values(&s("Yes"))
                .unwrap(),
            s("true")
        );
        assert_eq!(
            prop(PropertyKind::Lookup, false).values(&s("ip")).unwrap(),
            s("IP")
        );
        assert_eq!(
            prop(PropertyKind::User, false).values(&s("jdoe")).unwrap(),
            s("JDOE")
        );
        let many = vec!["IP".to_string(), "ip".to_string(), "Tax".to_string()];
        assert_eq!(
            prop(PropertyKind::Lookup, true).values(&many).unwrap(),
            vec!["IP", "Tax"]
        );
    }

    #[test]
    fn bad_values_name_the_property() {
        let s = |v: &str| vec![v.to_string()];
        for (kind, raw) in [
            (PropertyKind::Number, "twelve"),
            (PropertyKind::Number, "NaN"),
            (PropertyKind::Date, "31/02/2026"),
            (PropertyKind::Boolean, "maybe"),
            (PropertyKind::Lookup, "Family"),
            (PropertyKind::User, "no one"),
            (PropertyKind::Text, " "),
        ] {
            assert_eq!(
                field(prop(kind, false).values(&s(raw)).unwrap_err()),
                "p",
                "{kind:?} {raw}"
            );
        }
        let two = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            field(prop(PropertyKind::Text, false).values(&two).unwrap_err()),
            "p"
        );
        let mut off = prop(PropertyKind::Text, false);
        off.enabled = false;
        assert_eq!(field(off.values(&s("x")).unwrap_err()), "p");
    }

    #[test]
    fn catalogue_rules() {
        assert!(prop(PropertyKind::Lookup, false).check().is_ok());
        let mut p = prop(PropertyKind::Lookup, false);
        p.lookup_values = vec![];
        assert_eq!(field(p.check().unwrap_err()), "lookup_values");
        p.lookup_values = vec!["IP".into(), "ip".into()];
        assert_eq!(field(p.check().unwrap_err()), "lookup_values");
        let mut t = prop(PropertyKind::Taxonomy, false);
        t.taxonomy = None;
        assert_eq!(field(t.check().unwrap_err()), "taxonomy");
        let mut x = prop(PropertyKind::Text, false);
        x.lookup_values = vec!["a".into()];
        assert_eq!(field(x.check().unwrap_err()), "lookup_values");
        x.lookup_values.clear();
        x.caption = " ".into();
        assert_eq!(field(x.check().unwrap_err()), "caption");
    }

    #[test]
    fn a_new_kind_drops_the_old_kind_s_settings() {
        let lookup = prop(PropertyKind::Lookup, false);
        let to_text = PropertyChanges {
            kind: Some(PropertyKind::Text),
            ..PropertyChanges::default()
        };
        let text = to_text.apply(&lookup).unwrap();
        assert!(text.lookup_values.is_empty());
        let to_taxonomy = PropertyChanges {
            kind: Some(PropertyKind::Taxonomy),
            ..PropertyChanges::default()
        };
        assert_eq!(field(to_taxonomy.apply(&text).unwrap_err()), "taxonomy");
        let keep_list = PropertyChanges {
            kind: Some(PropertyKind::Text),
            lookup_values: Some(vec!["a".into()]),
            ..PropertyChanges::default()
        };
        assert_eq!(
            field(keep_list.apply(&lookup).unwrap_err()),
            "lookup_values"
        );
    }

    #[test]
    fn slots_are_named_parsed_and_kept_within_their_family() {
        for family in SlotFamily::ALL {
            for n in [1, family.capacity()] {
                let slot = Slot { family, n };
                assert_eq!(Slot::parse(&slot.name()), Some(slot));
            }
            let over = format!("{}{}", family.stem(), family.capacity() + 1);
            assert_eq!(Slot::parse(&over), None, "{over}");
        }
        for raw in [
            "text0",
            "text01",
            "lookup1_child",
            "long1",
            "text",
            "3",
            "TEXT",
        ] {
            assert_eq!(Slot::parse(raw), None, "{raw}");
        }
        assert_eq!(
            Slot::parse("MV_Taxonomy10"),
            Some(Slot {
                family: SlotFamily::MvTaxonomy,
                n: 10
            })
        );
        assert_eq!(SlotFamily::Text.free_slot([1, 3]), Some(2));
        assert_eq!(SlotFamily::User.free_slot([1, 2, 3]), None);
        assert_eq!(SlotFamily::of(PropertyKind::Date, true), None);
        let mut p = prop(PropertyKind::Taxonomy, true);
        p.slot = Some(4);
        assert_eq!(p.slot().map(Slot::name).as_deref(), Some("mv_taxonomy4"));
        // A change of family drops the number; a caption change keeps it.
        let single = PropertyChanges {
            multi: Some(false),
            ..PropertyChanges::default()
        };
        assert_eq!(single.apply(&p).unwrap().slot, None);
        let renamed = PropertyChanges {
            caption: Some("Q".into()),
            ..PropertyChanges::default()
        };
        assert_eq!(renamed.apply(&p).unwrap().slot, Some(4));
    }

    #[test]
    fn cycles_are_seen() {
        let parents: HashMap<String, Option<String>> = [
            ("a".to_string(), None),
            ("b".to_string(), Some("a".to_string())),
            ("c".to_string(), Some("b".to_string())),
        ]
        .into_iter()
        .collect();
        assert!(closes_cycle("a", "c", &parents));
        assert!(closes_cycle("b", "b", &parents));
        assert!(!closes_cycle("c", "a", &parents));
    }

    #[test]
    fn imports_flatten_parents_first_and_refuse_repeats() {
        let leaf = |id: &str| ImportNode {
            id: id.into(),
            label: id.into(),
            children: vec![],
        };
        let tree = vec![ImportNode {
            id: "ip".into(),
            label: "IP".into(),
            children: vec![leaf("patents"), leaf("marks")],
        }];
        let flat = flatten_import(&tree).unwrap();
        assert_eq!(flat.len(), 3);
        assert_eq!(flat[0].parent, None);
        assert_eq!(flat[1].parent.as_deref(), Some("ip"));
        let twice = vec![leaf("a"), leaf("a")];
        assert!(flatten_import(&twice).is_err());
        let mut deep = leaf("d0");
        for i in 1..=IMPORT_DEPTH_MAX {
            deep = ImportNode {
                id: format!("d{i}"),
                label: "x".into(),
                children: vec![deep],
            };
        }
        assert!(flatten_import(&[deep]).is_err());
    }
}
