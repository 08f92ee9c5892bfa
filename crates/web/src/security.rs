//! The security dialog of a workspace, folder or document: its default security and
//! trustees as they govern it (its own, or what it inherits), a form to change them for a
//! user who may, and the answer to "what may this person do here, and why?".
//!
//! Who may change it is the service's answer (the caller's own explained access must be
//! full access); the change goes through the same use cases as the Work API's
//! `POST …/security`, which check again.

use askama::Template;
use axum::Form;
use axum::extract::{MatchedPath, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dossier_api::AppState;
use dossier_core::model::{ContainerKind, Trustee, TrusteeType};
use dossier_core::{
    AccessLevel, ContainerId, DefaultSecurity, DocumentRef, DomainError, LibraryId,
};
use dossier_service::Caller;
use dossier_service::security::{
    AccessExplanation, AccessReason, ObjectRef, SECURED_KINDS, SecurityChange,
};
use serde::Deserialize;

use crate::page::{self, Chrome, Failure, PageResult};
use crate::session::Signed;

/// The object a security URL names, parsed once.
enum Object {
    Document(DocumentRef),
    Container(ContainerId, &'static [ContainerKind]),
}

impl Object {
    fn parse(kind: &str, raw: &str) -> Result<Object, Failure> {
        let missing = || Failure::from(page::not_found());
        Ok(match kind {
            "documents" => Object::Document(raw.parse().map_err(|_| missing())?),
            "workspaces" => Object::Container(
                raw.parse().map_err(|_| missing())?,
                &[ContainerKind::Workspace],
            ),
            "folders" => {
                Object::Container(raw.parse().map_err(|_| missing())?, &SECURED_KINDS[1..])
            }
            _ => return Err(missing()),
        })
    }

    fn library(&self) -> &LibraryId {
        match self {
            Object::Document(r) => &r.library,
            Object::Container(id, _) => &id.library,
        }
    }

    fn as_ref(&self) -> ObjectRef<'_> {
        match self {
            Object::Document(r) => ObjectRef::Document(r),
            Object::Container(id, _) => ObjectRef::Container(id),
        }
    }
}

/// `documents`, `workspaces` or `folders`: the first segment of the route
/// (`/documents/{id}/security`).
fn kind_of(matched: &MatchedPath) -> &str {
    matched
        .as_str()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
}

pub struct TrusteeRow {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub level: &'static str,
    pub level_name: &'static str,
    /// The form field that changes this entry (`level.user.JDOE`).
    pub field: String,
}

/// The levels a trustee entry can have, for the pickers.
const LEVELS: [AccessLevel; 4] = [
    AccessLevel::Read,
    AccessLevel::ReadWrite,
    AccessLevel::FullAccess,
    AccessLevel::NoAccess,
];

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    chrome: Chrome,
    name: String,
    back: String,
    action: String,
    inherits: bool,
    default_security: &'static str,
    effective_default: &'static str,
    trustees: Vec<TrusteeRow>,
    editable: bool,
    levels: Vec<Choice>,
    defaults: Vec<Choice>,
    explain_uid: String,
    explanation: Option<String>,
}

#[derive(Deserialize)]
pub struct ExplainQuery {
    explain: Option<String>,
}

/// "Jane Doe can read this because she is in Litigation."
fn sentence(e: &AccessExplanation) -> String {
    let can = match e.level {
        AccessLevel::NoAccess => "cannot open this",
        AccessLevel::Read => "can read this",
        AccessLevel::ReadWrite => "can read and change this",
        AccessLevel::FullAccess => "has full access to this, security included",
    };
    let because = match &e.reason {
        AccessReason::Wall { name } => format!("the ethical wall “{name}” shuts them out"),
        AccessReason::Administrator => "they are a DMS administrator (NRTADMIN)".into(),
        AccessReason::Owner => "they own it (its owner or author)".into(),
        AccessReason::Named => "they are named in its security".into(),
        AccessReason::Group { name, id } => format!("they are in {name} ({id})"),
        AccessReason::GroupDenied { name, id } => {
            format!("they are in {name} ({id}), which has no access")
        }
        AccessReason::External => {
            "they are an external user, and the default security gives external users nothing"
                .into()
        }
        AccessReason::Default(d) => format!(
            "nothing in its security names them or their groups, so its default security ({}) applies",
            d.display_name()
        ),
    };
    format!("{} ({}) {can} because {because}.", e.full_name, e.user_id)
}

/// The name and page of the object, for the dialog's heading and its way back.
async fn described(
    state: &AppState,
    caller: &Caller,
    object: &Object,
) -> Result<(String, String), Failure> {
    let d = &state.dossier;
    Ok(match object {
        Object::Document(r) => {
            let v = d.document(caller, r).await?;
            (
                v.doc.name.clone(),
                format!("/documents/{}!{}", r.library, r.number),
            )
        }
        Object::Container(id, kinds) => {
            let c = d.container(caller, id, kinds).await?;
            (c.name.clone(), crate::view::container_href(&c))
        }
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    matched: MatchedPath,
    Path(raw): Path<String>,
    Query(q): Query<ExplainQuery>,
) -> PageResult {
    let kind = kind_of(&matched);
    let caller = signed.caller();
    let d = &state.dossier;
    let object = Object::parse(kind, &raw)?;
    d.library(caller, caller.customer_id, object.library().as_str())
        .await?;
    let (name, back) = described(&state, caller, &object).await?;
    let (view, profiles) = d.object_security(caller, object.as_ref()).await?;
    let me = d
        .explain_access(caller, object.library(), object.as_ref(), &caller.user_id)
        .await?;
    let explain_uid = q
        .explain
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    let explanation = if explain_uid.is_empty() {
        None
    } else {
        Some(
            match d
                .explain_access(caller, object.library(), object.as_ref(), &explain_uid)
                .await
            {
                Ok(e) => sentence(&e),
                Err(DomainError::NotFound(_)) => format!("There is no user {explain_uid}."),
                Err(e) => return Err(e.into()),
            },
        )
    };
    let trustees = profiles
        .iter()
        .map(|p| {
            let t = &p.trustee;
            TrusteeRow {
                kind: t.trustee_type.as_str(),
                id: t.id.clone(),
                name: p.full_name.clone(),
                level: t.access.as_str(),
                level_name: t.access.display_name(),
                field: format!("level.{}.{}", t.trustee_type.as_str(), t.id),
            }
        })
        .collect();
    Ok(page::ok(&SecurityPage {
        chrome: Chrome::of(&signed.0),
        name,
        action: format!("/{kind}/{raw}/security"),
        back,
        inherits: view.default_security == DefaultSecurity::Inherit,
        default_security: view.default_security.as_str(),
        effective_default: view.effective_default_security.display_name(),
        trustees,
        editable: me.level == AccessLevel::FullAccess,
        levels: LEVELS
            .iter()
            .map(|l| Choice {
                value: l.as_str(),
                label: l.display_name(),
            })
            .collect(),
        defaults: [
            DefaultSecurity::Inherit,
            DefaultSecurity::Public,
            DefaultSecurity::View,
            DefaultSecurity::Private,
        ]
        .iter()
        .map(|d| Choice {
            value: d.as_str(),
            label: d.display_name(),
        })
        .collect(),
        explain_uid,
        explanation,
    }))
}

fn trustee_type(raw: &str) -> Result<TrusteeType, DomainError> {
    match raw {
        "user" => Ok(TrusteeType::User),
        "group" => Ok(TrusteeType::Group),
        _ => Err(DomainError::invalid(
            "type",
            "a trustee is a user or a group",
        )),
    }
}

/// The dialog's form as a change: each entry's level (or `remove`), the default security,
/// and one entry to add.
fn change_of(form: &[(String, String)]) -> Result<SecurityChange, DomainError> {
    let mut change = SecurityChange::default();
    let (mut add_type, mut add_id, mut add_level) = (None, None, None);
    for (k, v) in form {
        match k.as_str() {
            "default_security" => {
                change.default_security = Some(DefaultSecurity::parse("default_security", v)?)
            }
            "add_type" => add_type = Some(v.as_str()),
            "add_id" => add_id = Some(v.trim()).filter(|v| !v.is_empty()),
            "add_level" => add_level = Some(v.as_str()),
            _ => {
                let Some(rest) = k.strip_prefix("level.") else {
                    continue;
                };
                let (kind, id) = rest
                    .split_once('.')
                    .ok_or_else(|| DomainError::invalid("trustees", "the form is malformed"))?;
                let kind = trustee_type(kind)?;
                if v == "remove" {
                    change.remove.push((kind, id.to_string()));
                } else {
                    change.include.push(Trustee {
                        trustee_type: kind,
                        id: id.to_string(),
                        access: AccessLevel::parse("access_level", v)?,
                    });
                }
            }
        }
    }
    if let Some(id) = add_id {
        change.include.push(Trustee {
            trustee_type: trustee_type(add_type.unwrap_or("user"))?,
            id: id.to_uppercase(),
            access: AccessLevel::parse("access_level", add_level.unwrap_or("read"))?,
        });
    }
    Ok(change)
}

pub async fn change(
    State(state): State<AppState>,
    signed: Signed,
    matched: MatchedPath,
    Path(raw): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let kind = kind_of(&matched);
    let caller = signed.caller();
    let d = &state.dossier;
    let object = Object::parse(kind, &raw)?;
    d.library(caller, caller.customer_id, object.library().as_str())
        .await?;
    let change = change_of(&form)?;
    match &object {
        Object::Document(r) => {
            d.change_document_security(caller, r, change).await?;
        }
        Object::Container(id, _) => {
            d.change_container_security(caller, id, change).await?;
        }
    }
    Ok((
        StatusCode::SEE_OTHER,
        Redirect::to(&format!("/{kind}/{raw}/security")),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_reads_as_a_change() {
        let c = change_of(&form(&[
            ("csrf", "x"),
            ("default_security", "private"),
            ("level.group.LIT", "read_write"),
            ("level.user.ANN", "remove"),
            ("add_type", "group"),
            ("add_id", "partners"),
            ("add_level", "full_access"),
        ]))
        .unwrap();
        assert_eq!(c.default_security, Some(DefaultSecurity::Private));
        assert_eq!(c.remove, vec![(TrusteeType::User, "ANN".to_string())]);
        assert_eq!(c.include.len(), 2);
        assert_eq!(c.include[1].id, "PARTNERS");
        assert!(change_of(&form(&[("level.robot.X", "read")])).is_err());
        assert!(change_of(&form(&[("level.user.X", "superuser")])).is_err());
        assert!(change_of(&form(&[("default_security", "open")])).is_err());
    }
}
