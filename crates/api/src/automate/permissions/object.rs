//! An object as the connectors address it: a type field (`document`, `folder`, `workspace`)
//! and an id field (`ACTIVE!453.1` or `ACTIVE!453` for a document, `ACTIVE!427` for a folder
//! or workspace). The security and name-value pair operations take this pair.

use dossier_core::security::SecuredObject;
use dossier_core::{ContainerId, DocumentRef, DomainError};
use dossier_service::Caller;
use dossier_service::security::{ObjectRef, SecurityChange, SecurityView};
use dossier_service::trustees::TrusteeProfile;

use crate::AppState;
use crate::automate::error::{AutomateError, AutomateResult};
use crate::automate::wire::{required_text, secured_object};
use crate::fields::Obj;

#[derive(Clone, Debug)]
pub(crate) enum Addressed {
    Document(DocumentRef),
    /// A folder (tab, search folder) or a workspace: the type the caller named, which the
    /// container must be.
    Container(SecuredObject, ContainerId),
}

impl Addressed {
    /// Reads the pair from a body; either field missing, an unknown type or an id that is
    /// not of the type's form is a 400 naming the field.
    pub(crate) fn read(body: &Obj, type_field: &str, id_field: &str) -> AutomateResult<Self> {
        let kind = secured_object(type_field, &required_text(body, type_field)?)?;
        let raw = required_text(body, id_field)?;
        match kind {
            SecuredObject::Document => raw.parse().map(Addressed::Document).map_err(|_| {
                AutomateError::invalid(
                    id_field,
                    format!("{id_field}: '{raw}' is not a document id (library!number.version)"),
                )
            }),
            SecuredObject::Folder | SecuredObject::Workspace => raw
                .parse()
                .map(|id| Addressed::Container(kind, id))
                .map_err(|_| {
                    AutomateError::invalid(
                        id_field,
                        format!(
                            "{id_field}: '{raw}' is not a folder or workspace id (library!number)"
                        ),
                    )
                }),
        }
    }

    pub(crate) fn kind(&self) -> SecuredObject {
        match self {
            Addressed::Document(_) => SecuredObject::Document,
            Addressed::Container(kind, _) => *kind,
        }
    }

    /// The type as the swaggers spell it, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self.kind() {
            SecuredObject::Document => "document",
            SecuredObject::Folder => "folder",
            SecuredObject::Workspace => "workspace",
        }
    }

    pub(crate) fn object(&self) -> ObjectRef<'_> {
        match self {
            Addressed::Document(r) => ObjectRef::Document(r),
            Addressed::Container(_, id) => ObjectRef::Container(id),
        }
    }

    /// A container named as a type it is not is not found, as the Work API's
    /// `/workspaces/{id}` answers for a folder's id; so is one the caller may not read.
    pub(crate) async fn check_type(&self, state: &AppState, caller: &Caller) -> AutomateResult<()> {
        if let Addressed::Container(kind, id) = self {
            state
                .dossier
                .container(caller, id, kind.container_kinds())
                .await?;
        }
        Ok(())
    }

    /// The object's security with its trustees' profiles.
    pub(crate) async fn security(
        &self,
        state: &AppState,
        caller: &Caller,
    ) -> AutomateResult<(SecurityView, Vec<TrusteeProfile>)> {
        self.check_type(state, caller).await?;
        Ok(state.dossier.object_security(caller, self.object()).await?)
    }

    /// Applies a security change (one transaction in the service).
    pub(crate) async fn change_security(
        &self,
        state: &AppState,
        caller: &Caller,
        change: SecurityChange,
    ) -> AutomateResult<()> {
        self.check_type(state, caller).await?;
        let done = match self {
            Addressed::Document(r) => state
                .dossier
                .change_document_security(caller, r, change)
                .await
                .map(drop),
            Addressed::Container(_, id) => state
                .dossier
                .change_container_security(caller, id, change)
                .await
                .map(drop),
        };
        done.map_err(|e| {
            renamed(
                e,
                &[("user_trustees", "users"), ("group_trustees", "groups")],
            )
        })
    }
}

/// The service names a refused field in the Work API's words; the connector sent it under
/// its own name.
pub(crate) fn renamed(mut e: DomainError, names: &[(&str, &str)]) -> AutomateError {
    if let DomainError::Invalid { fields, .. } | DomainError::NoRecord { fields, .. } = &mut e {
        for f in fields {
            if let Some((_, to)) = names.iter().find(|(from, _)| *from == f.field) {
                f.field = to.to_string();
            }
        }
    }
    AutomateError(e)
}
