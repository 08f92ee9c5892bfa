//! Workflow triggers (the Power Automate connector's "For a selected document" and "For
//! multiple selected documents"): the forms a user fills when starting a workflow, the
//! registrations flows make, who a registration is offered to, and the states a run goes
//! through. Rules only; the registry lives in the store, the use cases in
//! `service::workflows`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::custom::{is_lookup, parent_of};
use crate::{DomainError, LibraryId};

/// The longest form id, field id, choice and label accepted.
pub const FORM_ID_MAX: usize = 64;
pub const LABEL_MAX: usize = 254;
pub const FIELDS_MAX: usize = 50;
pub const CHOICES_MAX: usize = 200;
/// The longest text value a form field takes.
pub const TEXT_VALUE_MAX: usize = 4000;
/// The swagger's limits on a registration and a state update.
pub const WORKFLOW_NAME_MAX: usize = 128;
pub const WORKFLOW_DESCRIPTION_MAX: usize = 256;
pub const STATUS_MAX: usize = 128;
pub const STATUS_MESSAGE_MAX: usize = 256;
/// Most documents one run is started on.
pub const DOCUMENTS_MAX: usize = 500;

/// Which trigger a registration is: one document, or two and more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TriggerKind {
    Single,
    Multiple,
}

impl TriggerKind {
    pub const ALL: [TriggerKind; 2] = [TriggerKind::Single, TriggerKind::Multiple];

    /// The connector's name (`triggerId`, GetForms' `context`), also the stored one.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::Single => "single_selected_document",
            TriggerKind::Multiple => "multiple_selected_documents",
        }
    }

    pub fn parse(raw: &str) -> Option<TriggerKind> {
        TriggerKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The trigger a selection of `count` documents starts.
    pub fn for_count(count: usize) -> Option<TriggerKind> {
        match count {
            0 => None,
            1 => Some(TriggerKind::Single),
            _ => Some(TriggerKind::Multiple),
        }
    }
}

/// The type of a form field, and so of its value in the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of a list of texts.
    Choice,
}

impl FieldKind {
    pub const ALL: [FieldKind; 5] = [
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Boolean,
        FieldKind::Date,
        FieldKind::Choice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Boolean => "boolean",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
        }
    }

    pub fn parse(raw: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where a choice field's choices come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choices {
    /// Not a choice field.
    None,
    /// The texts the form lists.
    Listed(Vec<String>),
    /// The aliases of a lookup field of the library (custom1, custom3–12, custom29), as
    /// they are when the run starts.
    Lookup(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormField {
    /// The key of the value in the payload's `form` object.
    pub id: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub choices: Choices,
}

/// A library's form: what a user is asked when starting a workflow that names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub library: LibraryId,
    pub id: String,
    pub name: String,
    /// The triggers the form may be chosen for (GetForms' `context`).
    pub contexts: Vec<TriggerKind>,
    pub fields: Vec<FormField>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// An id of a form or a field: letters, digits, `_` and `-`, starting with a letter, so
/// that it is a payload key a flow can name in an expression.
pub fn check_id(field: &str, raw: &str) -> Result<String, DomainError> {
    let ok = !raw.is_empty()
        && raw.len() <= FORM_ID_MAX
        && raw.starts_with(|c: char| c.is_ascii_alphabetic())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(raw.to_string())
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "'{raw}' is not an id: 1 to {FORM_ID_MAX} letters, digits, _ or -, starting with a letter"
            ),
        ))
    }
}

fn check_label(field: &str, raw: &str) -> Result<String, DomainError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > LABEL_MAX {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be 1 to {LABEL_MAX} characters"),
        ));
    }
    Ok(t.to_string())
}

impl Form {
    /// Checks a form as an administrator wrote it: ids, labels, at least one context, field
    /// ids unique, choices where (and only where) the kind is `choice`.
    pub fn check(&self) -> Result<(), DomainError> {
        check_id("id", &self.id)?;
        check_label("name", &self.name)?;
        if self.contexts.is_empty() {
            return Err(DomainError::invalid(
                "contexts",
                "a form is offered for single_selected_document, multiple_selected_documents or both",
            ));
        }
        if self.fields.len() > FIELDS_MAX {
            return Err(DomainError::invalid(
                "fields",
                format!("a form has at most {FIELDS_MAX} fields"),
            ));
        }
        for (i, f) in self.fields.iter().enumerate() {
            let at = |what: &str| format!("fields[{i}].{what}");
            check_id(&at("id"), &f.id)?;
            check_label(&at("label"), &f.label)?;
            if self.fields[..i].iter().any(|g| g.id == f.id) {
                return Err(DomainError::invalid(
                    &at("id"),
                    format!("field {} is listed twice", f.id),
                ));
            }
            match (&f.kind, &f.choices) {
                (FieldKind::Choice, Choices::None) => {
                    return Err(DomainError::invalid(
                        &at("choices"),
                        "a choice field lists its choices or names a lookup field",
                    ));
                }
                (FieldKind::Choice, Choices::Listed(c)) => {
                    if c.is_empty() || c.len() > CHOICES_MAX {
                        return Err(DomainError::invalid(
                            &at("choices"),
                            format!("a choice field lists 1 to {CHOICES_MAX} choices"),
                        ));
                    }
                    for (j, choice) in c.iter().enumerate() {
                        check_label(&at("choices"), choice)?;
                        if c[..j].contains(choice) {
                            return Err(DomainError::invalid(
                                &at("choices"),
                                format!("'{choice}' is listed twice"),
                            ));
                        }
                    }
                }
                (FieldKind::Choice, Choices::Lookup(n)) => {
                    if !is_lookup(*n) || parent_of(*n).is_some() {
                        return Err(DomainError::invalid(
                            &at("lookup"),
                            "choices come from a lookup field without a parent: custom1, custom3 to custom12 or custom29",
                        ));
                    }
                }
                (_, Choices::None) => {}
                (_, _) => {
                    return Err(DomainError::invalid(
                        &at("choices"),
                        "only a choice field has choices",
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn offered_for(&self, kind: TriggerKind) -> bool {
        self.contexts.contains(&kind)
    }
}

/// A value as a request carried it, before the form's field says what it must be: the
/// surfaces read their wire format into this, the form's rule does the rest.
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    Null,
    Text(String),
    Number(f64),
    Boolean(bool),
    /// An array or object: never a field's value.
    Other,
}

/// A form value, typed by its field.
#[derive(Clone, Debug, PartialEq)]
pub enum FormValue {
    Text(String),
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    Choice(String),
}

impl Form {
    /// The values a user gave, checked against the form: every key a field of it, each of
    /// the field's type, every required field present, a choice one of the listed ones
    /// (`is_alias` answers for lookup choices). The error names the field
    /// (`values.{id}`). The result keeps the form's field order.
    pub fn read_values(
        &self,
        given: &[(String, RawValue)],
        is_alias: &mut dyn FnMut(usize, &str) -> bool,
    ) -> Result<Vec<(String, FormValue)>, DomainError> {
        for (key, _) in given {
            if !self.fields.iter().any(|f| &f.id == key) {
                return Err(DomainError::invalid(
                    &format!("values.{key}"),
                    format!("form {} has no field {key}", self.id),
                ));
            }
        }
        let mut out = Vec::new();
        for f in &self.fields {
            let name = format!("values.{}", f.id);
            let raw = given
                .iter()
                .find(|(k, _)| k == &f.id)
                .map(|(_, v)| v)
                .filter(|v| !is_blank(v));
            let Some(raw) = raw else {
                if f.required {
                    return Err(DomainError::invalid(
                        &name,
                        format!("{} is required", f.label),
                    ));
                }
                continue;
            };
            let wrong = || {
                DomainError::invalid(
                    &name,
                    format!("{} must be a {} value", f.label, f.kind.as_str()),
                )
            };
            let value = match (f.kind, raw) {
                (FieldKind::Text, RawValue::Text(t)) => {
                    if t.chars().count() > TEXT_VALUE_MAX {
                        return Err(DomainError::invalid(
                            &name,
                            format!("{} is at most {TEXT_VALUE_MAX} characters", f.label),
                        ));
                    }
                    FormValue::Text(t.clone())
                }
                (FieldKind::Number, RawValue::Number(n)) if n.is_finite() => FormValue::Number(*n),
                (FieldKind::Boolean, RawValue::Boolean(b)) => FormValue::Boolean(*b),
                (FieldKind::Date, RawValue::Text(t)) => FormValue::Date(
                    NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
                        DomainError::invalid(
                            &name,
                            format!("{} must be a date, YYYY-MM-DD", f.label),
                        )
                    })?,
                ),
                (FieldKind::Choice, RawValue::Text(t)) => {
                    let known = match &f.choices {
                        Choices::Listed(c) => c.iter().any(|c| c == t),
                        Choices::Lookup(n) => is_alias(*n, t),
                        Choices::None => false,
                    };
                    if !known {
                        return Err(DomainError::invalid(
                            &name,
                            format!("'{t}' is not one of the choices of {}", f.label),
                        ));
                    }
                    FormValue::Choice(t.clone())
                }
                _ => return Err(wrong()),
            };
            out.push((f.id.clone(), value));
        }
        Ok(out)
    }
}

fn is_blank(v: &RawValue) -> bool {
    matches!(v, RawValue::Null) || matches!(v, RawValue::Text(t) if t.trim().is_empty())
}

/// Who a registration is offered to, and (single trigger only) on which documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audience {
    /// Upper-case user ids.
    pub users: Vec<String>,
    /// Upper-case group ids.
    pub groups: Vec<String>,
    /// Workspace numbers of the library: a document must be filed (at home) in one.
    pub workspaces: Vec<i64>,
    /// Class aliases: a document must be of one.
    pub classes: Vec<String>,
}

impl Audience {
    /// Whether a user (with their enabled groups) is in the audience. A registration that
    /// names neither users nor groups is offered to the user who registered it only: a
    /// flow reaches a firm's users when its author says whom.
    pub fn admits(&self, registrant: &str, user: &str, groups: &[String]) -> bool {
        if self.users.is_empty() && self.groups.is_empty() {
            return registrant.eq_ignore_ascii_case(user);
        }
        self.users.iter().any(|u| u.eq_ignore_ascii_case(user))
            || self
                .groups
                .iter()
                .any(|g| groups.iter().any(|m| m.eq_ignore_ascii_case(g)))
    }

    /// Whether a document (its home workspace, its class) is in scope.
    pub fn scope_admits(&self, workspace: Option<i64>, class: &str) -> bool {
        (self.workspaces.is_empty() || workspace.is_some_and(|w| self.workspaces.contains(&w)))
            && (self.classes.is_empty()
                || self.classes.iter().any(|c| c.eq_ignore_ascii_case(class)))
    }
}

/// The flow's identity as Power Automate sends it at registration
/// (`x-ms-workflow-name`, `x-ms-environment-id`, `x-ms-workflow-version`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowIdentity {
    pub name: Option<String>,
    pub environment: Option<String>,
    pub version: Option<String>,
}

impl FlowIdentity {
    /// The version an unregistration must name (`providerWorkflowVersion`): the flow's own,
    /// or `1` for a registration that sent none.
    pub fn version_or_default(&self) -> &str {
        self.version.as_deref().unwrap_or("1")
    }
}

/// A registered workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workflow {
    pub id: String,
    pub library: LibraryId,
    pub kind: TriggerKind,
    pub name: String,
    pub description: String,
    pub callback_url: String,
    pub form: String,
    pub infer_folder: bool,
    pub wait_for_completion: bool,
    pub audience: Audience,
    pub flow: FlowIdentity,
    /// The user whose connection registered it.
    pub registered_by: String,
    /// The key deliveries are signed with (`whsec_…`).
    pub secret: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// The states a run goes through, as the flow reports them (GetWorkflowStateList).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Started,
    Running,
    Waiting,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunState {
    pub const ALL: [RunState; 6] = [
        RunState::Started,
        RunState::Running,
        RunState::Waiting,
        RunState::Succeeded,
        RunState::Failed,
        RunState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Started => "started",
            RunState::Running => "running",
            RunState::Waiting => "waiting",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            RunState::Started => "Started",
            RunState::Running => "Running",
            RunState::Waiting => "Waiting for input",
            RunState::Succeeded => "Succeeded",
            RunState::Failed => "Failed",
            RunState::Cancelled => "Cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<RunState> {
        RunState::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    /// `state` as a request named it, refused by name when it is not in the list.
    pub fn read(field: &str, raw: &str) -> Result<RunState, DomainError> {
        RunState::parse(raw).ok_or_else(|| {
            let known: Vec<&str> = RunState::ALL.iter().map(|s| s.as_str()).collect();
            DomainError::invalid(
                field,
                format!("'{raw}' is not a workflow state ({})", known.join(", ")),
            )
        })
    }
}

/// Where the trigger's delivery to the flow stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Waiting to be sent, or to be sent again after a failure.
    Pending,
    Delivered,
    /// Given up after retrying for the retry policy's time.
    DeadLettered,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Delivered => "delivered",
            Delivery::DeadLettered => "dead_lettered",
        }
    }

    pub fn parse(raw: &str) -> Option<Delivery> {
        [
            Delivery::Pending,
            Delivery::Delivered,
            Delivery::DeadLettered,
        ]
        .into_iter()
        .find(|d| d.as_str() == raw)
    }
}

/// A run: one start of a workflow on some documents.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowRun {
    pub id: String,
    pub workflow: String,
    pub library: LibraryId,
    pub starter: String,
    /// The documents as they were sent (`ACTIVE!12.3`).
    pub documents: Vec<String>,
    /// The payload sent to the flow, as JSON text.
    pub payload: String,
    pub state: RunState,
    pub status: Option<String>,
    pub message: Option<String>,
    pub delivery: Delivery,
    /// The run id Power Automate answered with (`x-ms-workflow-run-id`).
    pub flow_run_id: Option<String>,
    pub attempts: i64,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// One line of a run's history: a state change, or a delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEntry {
    State {
        at: DateTime<Utc>,
        state: RunState,
        status: Option<String>,
        message: Option<String>,
        by: String,
    },
    Attempt {
        at: DateTime<Utc>,
        http_status: Option<u16>,
        latency_ms: i64,
        error: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form {
            library: LibraryId::parse("ACTIVE").unwrap(),
            id: "approval".into(),
            name: "Approval".into(),
            contexts: vec![TriggerKind::Single],
            fields: vec![
                FormField {
                    id: "reason".into(),
                    label: "Reason".into(),
                    kind: FieldKind::Text,
                    required: true,
                    choices: Choices::None,
                },
                FormField {
                    id: "pages".into(),
                    label: "Pages".into(),
                    kind: FieldKind::Number,
                    required: false,
                    choices: Choices::None,
                },
                FormField {
                    id: "level".into(),
                    label: "Level".into(),
                    kind: FieldKind::Choice,
                    required: false,
                    choices: Choices::Listed(vec!["low".into(), "high".into()]),
                },
            ],
            created: DateTime::<Utc>::UNIX_EPOCH,
            updated: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn values_are_checked_against_the_form() {
        let f = form();
        assert!(f.check().is_ok());
        let mut no = |_: usize, _: &str| false;
        let ok = f
            .read_values(
                &[
                    ("reason".into(), RawValue::Text("x".into())),
                    ("level".into(), RawValue::Text("high".into())),
                ],
                &mut no,
            )
            .unwrap();
        assert_eq!(ok.len(), 2);
        let field = |r: Result<_, DomainError>| match r {
            Err(DomainError::Invalid { fields, .. }) => fields[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(f.read_values(&[], &mut no)), "values.reason");
        assert_eq!(
            field(f.read_values(
                &[
                    ("reason".into(), RawValue::Text("x".into())),
                    ("pages".into(), RawValue::Text("ten".into()))
                ],
                &mut no
            )),
            "values.pages"
        );
        assert_eq!(
            field(f.read_values(
                &[
                    ("reason".into(), RawValue::Text("x".into())),
                    ("level".into(), RawValue::Text("medium".into()))
                ],
                &mut no
            )),
            "values.level"
        );
        assert_eq!(
            field(f.read_values(&[("nope".into(), RawValue::Boolean(true))], &mut no)),
            "values.nope"
        );
    }

    #[test]
    fn the_audience_is_the_author_until_it_names_others() {
        let open = Audience::default();
        assert!(open.admits("AUTHOR", "author", &[]));
        assert!(!open.admits("AUTHOR", "OTHER", &[]));
        let named = Audience {
            groups: vec!["LIT".into()],
            ..Audience::default()
        };
        assert!(named.admits("AUTHOR", "OTHER", &["LIT".into()]));
        assert!(!named.admits("AUTHOR", "AUTHOR", &[]));
        let scoped = Audience {
            workspaces: vec![7],
            classes: vec!["DOC".into()],
            ..Audience::default()
        };
        assert!(scoped.scope_admits(Some(7), "doc"));
        assert!(!scoped.scope_admits(Some(8), "DOC"));
        assert!(!scoped.scope_admits(None, "DOC"));
    }
}
