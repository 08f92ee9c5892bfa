//! Workflow triggers: the forms of a library, the registrations Power Automate flows make
//! through the connector's two triggers, and the runs users start on documents.
//!
//! - **Forms** are a library's configuration: its administrators maintain them
//!   (`catalog::require_library_admin`), every member reads them.
//! - **Registering** is open to any user of the library: Power Automate registers a flow
//!   with its author's connection, so the author is the caller. The audience the author
//!   names must exist (users, groups, readable workspaces, classes). A flow that registers
//!   again (same environment, flow name, trigger and library) replaces its registration,
//!   keeping its id. Its author or a library administrator unregisters it; to anyone else
//!   someone else's registration does not exist.
//! - **Starting** a run needs the caller in the audience (else the workflow does not exist
//!   for them), read access to every document (404 otherwise), the documents in scope and
//!   the form's values valid. The run is written pending in the request's transaction and
//!   sent by the background loop (`sending`), never inside the request.
//! - **A run** is visible to its starter and the library's administrators; its state is
//!   reported by the flow (UpdateWorkflowState) with the connection of the workflow's author
//!   (or an administrator's).
//!
//! Registrations and runs write no outbox event: they are not objects of the change feed
//! (as tokens are not), and what they cause is sent to the flow directly.

pub mod payload;
pub mod sending;

use std::collections::HashSet;

use dossier_core::model::ContainerKind;
use dossier_core::workflows::{
    Choices, Delivery, FlowIdentity, Form, FormField, RawValue, RunEntry, RunState, STATUS_MAX,
    STATUS_MESSAGE_MAX, TriggerKind, WORKFLOW_DESCRIPTION_MAX, WORKFLOW_NAME_MAX, Workflow,
    WorkflowRun,
};
use dossier_core::{ContainerId, DocumentRef, DomainError, LibraryId};
use dossier_store::AnyConnection;

use crate::access::{Read, principal};
use crate::catalog::require_library_admin;
use crate::delivery::Secret;
use crate::{Caller, Dossier, Result};

/// A form as an administrator writes it.
#[derive(Clone, Debug)]
pub struct FormInput {
    pub id: String,
    pub name: String,
    pub contexts: Vec<TriggerKind>,
    pub fields: Vec<FormField>,
}

/// What a PATCH of a form changes; `None` keeps the stored value.
#[derive(Clone, Debug, Default)]
pub struct FormChanges {
    pub name: Option<String>,
    pub contexts: Option<Vec<TriggerKind>>,
    pub fields: Option<Vec<FormField>>,
}

/// A registration as the connector sends it (SingleSelectedDocument,
/// MultipleSelectedDocuments).
#[derive(Clone, Debug)]
pub struct Registration {
    pub kind: TriggerKind,
    pub callback_url: String,
    pub name: String,
    pub description: String,
    pub form: String,
    pub infer_folder: bool,
    pub wait_for_completion: bool,
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub workspaces: Vec<ContainerId>,
    pub classes: Vec<String>,
    pub flow: FlowIdentity,
}

/// A run with its workflow's name and its history (state changes and delivery attempts).
#[derive(Clone, Debug)]
pub struct RunView {
    pub run: WorkflowRun,
    pub workflow_name: Option<String>,
    pub history: Vec<RunEntry>,
}

/// A report of the flow on its run (UpdateWorkflowState).
#[derive(Clone, Debug)]
pub struct StateReport {
    pub state: RunState,
    pub status: Option<String>,
    pub message: Option<String>,
}

/// Re-labels a validation error with the surface's field name.
fn refield(e: DomainError, field: &str) -> DomainError {
    match e {
        DomainError::Invalid { message, .. } => DomainError::invalid(field, message),
        other => other,
    }
}

fn text_within(field: &str, raw: &str, max: usize, required: bool) -> Result<String> {
    let t = raw.trim();
    if required && t.is_empty() {
        return Err(DomainError::invalid(field, format!("{field} is required")));
    }
    if t.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} is at most {max} characters"),
        ));
    }
    Ok(t.to_string())
}

fn workflow_not_found(id: &str) -> DomainError {
    DomainError::not_found(format!("workflow {id}"))
}

fn run_not_found(id: &str) -> DomainError {
    DomainError::not_found(format!("workflow run {id}"))
}

/// Whether the caller administers the library (NRTADMIN or an admin-right role).
async fn is_library_admin(
    conn: &mut AnyConnection,
    caller: &Caller,
    library: &LibraryId,
) -> Result<bool> {
    match require_library_admin(conn, caller, library).await {
        Ok(()) => Ok(true),
        Err(DomainError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

impl Dossier {
    // ---- forms ----

    /// The library's forms, those offered for `context` when it is given.
    pub async fn workflow_forms(
        &self,
        caller: &Caller,
        library: &LibraryId,
        context: Option<TriggerKind>,
    ) -> Result<Vec<Form>> {
        let mut conn = self.store.read().await?;
        crate::libraries::resolve(&mut conn, caller, caller.customer_id, library.as_str()).await?;
        Ok(dossier_store::workflows::forms(&mut conn, library)
            .await?
            .into_iter()
            .filter(|f| context.is_none_or(|k| f.offered_for(k)))
            .collect())
    }

    pub async fn workflow_form(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &str,
    ) -> Result<Form> {
        let mut conn = self.store.read().await?;
        crate::libraries::resolve(&mut conn, caller, caller.customer_id, library.as_str()).await?;
        dossier_store::workflows::form(&mut conn, library, id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("form {id}")))
    }

    pub async fn create_workflow_form(
        &self,
        caller: &Caller,
        library: &LibraryId,
        input: FormInput,
    ) -> Result<Form> {
        let now = self.now();
        let form = Form {
            library: library.clone(),
            id: input.id,
            name: input.name.trim().to_string(),
            contexts: input.contexts,
            fields: input.fields,
            created: now,
            updated: now,
        };
        form.check()?;
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        if dossier_store::workflows::form(tx.conn(), library, &form.id)
            .await?
            .is_some()
        {
            return Err(DomainError::Conflict(format!(
                "form {} exists already in library {library}",
                form.id
            )));
        }
        dossier_store::workflows::put_form(tx.conn(), &form).await?;
        tx.commit().await?;
        Ok(form)
    }

    pub async fn update_workflow_form(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &str,
        changes: FormChanges,
    ) -> Result<Form> {
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        let mut form = dossier_store::workflows::form(tx.conn(), library, id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("form {id}")))?;
        if let Some(name) = changes.name {
            form.name = name.trim().to_string();
        }
        if let Some(contexts) = changes.contexts {
            form.contexts = contexts;
        }
        if let Some(fields) = changes.fields {
            form.fields = fields;
        }
        form.updated = self.now();
        form.check()?;
        dossier_store::workflows::put_form(tx.conn(), &form).await?;
        tx.commit().await?;
        Ok(form)
    }

    /// Deletes a form no registration names (a registered flow's payload depends on it).
    pub async fn delete_workflow_form(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        let used = dossier_store::workflows::workflows_using_form(tx.conn(), library, id).await?;
        if used > 0 {
            return Err(DomainError::Conflict(format!(
                "form {id} is used by {used} registered workflow(s); unregister them first"
            )));
        }
        if dossier_store::workflows::delete_form(tx.conn(), library, id).await? == 0 {
            return Err(DomainError::not_found(format!("form {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The JSON Schema (as JSON text) of the payload a run of a workflow registered with
    /// this form, trigger and `inferFolderId` is sent: what GetTriggerSchema answers.
    pub async fn trigger_schema(
        &self,
        caller: &Caller,
        library: &LibraryId,
        form: &str,
        kind: TriggerKind,
        infer_folder: bool,
    ) -> Result<String> {
        let form = self.workflow_form(caller, library, form).await?;
        Ok(payload::schema(&form, kind, infer_folder))
    }

    /// The users a workflow may be offered to: the library's users (GetWorkflowAllowedUserList).
    pub async fn workflow_users(
        &self,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<Vec<(String, String)>> {
        let mut conn = self.store.read().await?;
        crate::libraries::resolve(&mut conn, caller, caller.customer_id, library.as_str()).await?;
        dossier_store::workflows::library_users(&mut conn, library).await
    }

    // ---- registrations ----

    pub async fn register_workflow(
        &self,
        caller: &Caller,
        library: &LibraryId,
        r: Registration,
    ) -> Result<Workflow> {
        let target = self
            .sender
            .target(&r.callback_url)
            .map_err(|e| refield(e, "callbackUrl"))?;
        let name = text_within("workflowName", &r.name, WORKFLOW_NAME_MAX, true)?;
        let description = text_within(
            "description",
            &r.description,
            WORKFLOW_DESCRIPTION_MAX,
            false,
        )?;
        if r.kind == TriggerKind::Multiple {
            for (field, given) in [
                ("workspaces", r.workspaces.is_empty()),
                ("classes", r.classes.is_empty()),
            ] {
                if !given {
                    return Err(DomainError::invalid(
                        field,
                        format!(
                            "{field}: the trigger for multiple documents is not scoped to {field}"
                        ),
                    ));
                }
            }
        }
        let mut tx = self.store.begin().await?;
        let conn = tx.conn();
        crate::libraries::resolve(conn, caller, caller.customer_id, library.as_str()).await?;
        let form = dossier_store::workflows::form(conn, library, &r.form)
            .await?
            .ok_or_else(|| {
                DomainError::invalid(
                    "formId",
                    format!("library {library} has no form {}", r.form),
                )
            })?;
        if !form.offered_for(r.kind) {
            return Err(DomainError::invalid(
                "formId",
                format!("form {} is not offered for {}", form.id, r.kind.as_str()),
            ));
        }
        let mut users = Vec::new();
        for u in &r.users {
            match dossier_store::users::get(conn, u).await? {
                Some(found) if found.customer_id == caller.customer_id => {
                    users.push(found.id.to_uppercase())
                }
                _ => {
                    return Err(DomainError::invalid(
                        "users",
                        format!("user {u} does not exist"),
                    ));
                }
            }
        }
        let mut groups = Vec::new();
        for g in &r.groups {
            match dossier_store::groups::get(conn, g).await? {
                Some(found) => groups.push(found.id.to_uppercase()),
                None => {
                    return Err(DomainError::invalid(
                        "groups",
                        format!("group {g} does not exist"),
                    ));
                }
            }
        }
        let mut workspaces = Vec::new();
        for w in &r.workspaces {
            let missing = || DomainError::invalid("workspaces", format!("workspace {w} not found"));
            if w.library != *library {
                return Err(missing());
            }
            match self
                .container_kind_for(conn, caller, w, &[ContainerKind::Workspace], Read)
                .await
            {
                Ok(_) => workspaces.push(w.number),
                Err(DomainError::NotFound(_)) => return Err(missing()),
                Err(e) => return Err(e),
            }
        }
        let mut classes = Vec::new();
        for c in &r.classes {
            match dossier_store::catalog::get_class(conn, library, c).await? {
                Some(found) => classes.push(found.alias.to_uppercase()),
                None => {
                    return Err(DomainError::invalid(
                        "classes",
                        format!("class {c} does not exist"),
                    ));
                }
            }
        }
        let now = self.now();
        let existing = match (&r.flow.environment, &r.flow.name) {
            (Some(env), Some(flow)) => {
                dossier_store::workflows::workflow_of_flow(conn, library, r.kind, env, flow).await?
            }
            _ => None,
        };
        let workflow = Workflow {
            id: existing
                .as_ref()
                .map(|w| w.id.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
            library: library.clone(),
            kind: r.kind,
            name,
            description,
            callback_url: target.as_str().to_string(),
            form: form.id,
            infer_folder: r.infer_folder,
            wait_for_completion: r.wait_for_completion,
            audience: dossier_core::workflows::Audience {
                users,
                groups,
                workspaces,
                classes,
            },
            flow: r.flow,
            registered_by: caller.user_id.to_uppercase(),
            secret: existing
                .as_ref()
                .map(|w| w.secret.clone())
                .unwrap_or_else(|| Secret::generate().expose()),
            created: existing.as_ref().map(|w| w.created).unwrap_or(now),
            updated: now,
        };
        if existing.is_some() {
            dossier_store::workflows::delete_workflow(conn, &workflow.id).await?;
        }
        dossier_store::workflows::insert_workflow(conn, &workflow).await?;
        tx.commit().await?;
        Ok(workflow)
    }

    /// Removes a registration (UnregisterWorkflow). `version` is the flow version the
    /// unregistration URL was made for: when the flow has registered again since with
    /// another version, the old URL no longer removes the new registration, and the call
    /// succeeds with nothing to do.
    pub async fn unregister_workflow(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &str,
        version: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let conn = tx.conn();
        crate::libraries::resolve(conn, caller, caller.customer_id, library.as_str()).await?;
        let w = dossier_store::workflows::workflow_by_id(conn, id)
            .await?
            .filter(|w| w.library == *library)
            .ok_or_else(|| workflow_not_found(id))?;
        if !w.registered_by.eq_ignore_ascii_case(&caller.user_id)
            && !is_library_admin(conn, caller, library).await?
        {
            return Err(workflow_not_found(id));
        }
        if w.flow.version_or_default() != version {
            return Ok(());
        }
        dossier_store::workflows::delete_workflow(conn, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller's enabled groups and whether the workflow is offered to them.
    async fn in_audience(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        w: &Workflow,
    ) -> Result<bool> {
        let p = principal(conn, caller).await?;
        let groups: Vec<String> = p.groups.into_iter().collect();
        Ok(w.audience
            .admits(&w.registered_by, &caller.user_id, &groups))
    }

    /// Each document checked readable (404 otherwise), with its id as sent, its home folder
    /// and workspace and its class.
    async fn selected(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        documents: &[DocumentRef],
    ) -> Result<Vec<payload::Selected>> {
        if documents.is_empty() || documents.len() > dossier_core::workflows::DOCUMENTS_MAX {
            return Err(DomainError::invalid(
                "document_ids",
                format!(
                    "select 1 to {} documents",
                    dossier_core::workflows::DOCUMENTS_MAX
                ),
            ));
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for r in documents {
            if r.library != *library {
                return Err(DomainError::not_found(format!("document {r}")));
            }
            if !seen.insert(r.number) {
                return Err(DomainError::invalid(
                    "document_ids",
                    format!("document {r} is selected twice"),
                ));
            }
            let doc = self.document_for(conn, caller, r, Read).await?;
            let filings = dossier_store::documents::filings_of(conn, library, r.number).await?;
            let home = filings.iter().find(|f| !f.is_reference).or(filings.first());
            let workspace = match home {
                Some(f) => dossier_store::containers::get(
                    conn,
                    &ContainerId::new(library.clone(), f.folder),
                )
                .await?
                .map(|c| c.workspace),
                None => None,
            };
            out.push(payload::Selected {
                id: doc.id.to_string(),
                folder: home.map(|f| ContainerId::new(library.clone(), f.folder).to_string()),
                workspace,
                class: doc.class.clone(),
            });
        }
        Ok(out)
    }

    /// The workflows offered to the caller for these documents: the trigger their count
    /// calls for, the caller in the audience, each document in scope.
    pub async fn offered_workflows(
        &self,
        caller: &Caller,
        library: &LibraryId,
        documents: &[DocumentRef],
    ) -> Result<Vec<Workflow>> {
        let mut conn = self.store.read().await?;
        crate::libraries::resolve(&mut conn, caller, caller.customer_id, library.as_str()).await?;
        let selected = self.selected(&mut conn, caller, library, documents).await?;
        let kind = TriggerKind::for_count(selected.len());
        let mut out = Vec::new();
        for w in dossier_store::workflows::workflows(&mut conn, library).await? {
            if Some(w.kind) == kind
                && self.in_audience(&mut conn, caller, &w).await?
                && in_scope(&w, &selected)
            {
                out.push(w);
            }
        }
        Ok(out)
    }

    /// Starts a workflow on documents with the form's values: the run is recorded pending
    /// and sent by the background loop.
    pub async fn start_workflow(
        &self,
        caller: &Caller,
        library: &LibraryId,
        workflow: &str,
        documents: &[DocumentRef],
        values: &[(String, RawValue)],
    ) -> Result<WorkflowRun> {
        let mut tx = self.store.begin().await?;
        let conn = tx.conn();
        crate::libraries::resolve(conn, caller, caller.customer_id, library.as_str()).await?;
        let w = dossier_store::workflows::workflow_by_id(conn, workflow)
            .await?
            .filter(|w| w.library == *library)
            .ok_or_else(|| workflow_not_found(workflow))?;
        if !self.in_audience(conn, caller, &w).await? {
            return Err(workflow_not_found(workflow));
        }
        let selected = self.selected(conn, caller, library, documents).await?;
        if TriggerKind::for_count(selected.len()) != Some(w.kind) {
            return Err(DomainError::invalid(
                "document_ids",
                match w.kind {
                    TriggerKind::Single => format!("workflow {} starts on one document", w.name),
                    TriggerKind::Multiple => {
                        format!("workflow {} starts on two or more documents", w.name)
                    }
                },
            ));
        }
        if !in_scope(&w, &selected) {
            return Err(DomainError::invalid(
                "document_ids",
                format!(
                    "workflow {} is not offered for documents of this workspace or class",
                    w.name
                ),
            ));
        }
        if w.infer_folder && selected.iter().any(|s| s.folder.is_none()) {
            return Err(DomainError::invalid(
                "document_ids",
                "a selected document is filed in no folder, and the workflow needs its folder",
            ));
        }
        let form = dossier_store::workflows::form(conn, library, &w.form)
            .await?
            .ok_or_else(|| {
                DomainError::Conflict(format!("the form of workflow {} is gone", w.name))
            })?;
        // The lookup aliases the values name, looked up before the form's (synchronous) rule.
        let mut aliases = HashSet::new();
        for f in &form.fields {
            if let Choices::Lookup(n) = f.choices
                && let Some((_, RawValue::Text(t))) = values.iter().find(|(k, _)| *k == f.id)
                && dossier_store::catalog::get_lookup(conn, library, n, None, t.trim())
                    .await?
                    .is_some_and(|l| l.enabled)
            {
                aliases.insert((n, t.clone()));
            }
        }
        let typed = form.read_values(values, &mut |n, t| aliases.contains(&(n, t.to_string())))?;
        let now = self.now();
        let id = uuid::Uuid::new_v4().to_string();
        let body = payload::build(&payload::Payload {
            workflow: &w,
            run: &id,
            customer: caller.customer_id,
            user_id: &caller.user_id.to_uppercase(),
            user_name: &caller.full_name,
            selected: &selected,
            started: now,
            values: &typed,
        });
        let run = WorkflowRun {
            id: id.clone(),
            workflow: w.id.clone(),
            library: library.clone(),
            starter: caller.user_id.to_uppercase(),
            documents: selected.iter().map(|s| s.id.clone()).collect(),
            payload: body,
            state: RunState::Started,
            status: None,
            message: None,
            delivery: Delivery::Pending,
            flow_run_id: None,
            attempts: 0,
            created: now,
            updated: now,
        };
        dossier_store::workflows::insert_run(conn, &run).await?;
        dossier_store::workflows::log(
            conn,
            &id,
            &RunEntry::State {
                at: now,
                state: RunState::Started,
                status: None,
                message: None,
                by: run.starter.clone(),
            },
        )
        .await?;
        tx.commit().await?;
        self.workflow_wake.notify_one();
        Ok(run)
    }

    /// A run, for its starter and the library's administrators.
    pub async fn workflow_run(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &str,
    ) -> Result<RunView> {
        let mut conn = self.store.read().await?;
        crate::libraries::resolve(&mut conn, caller, caller.customer_id, library.as_str()).await?;
        let run = dossier_store::workflows::run_by_id(&mut conn, id)
            .await?
            .filter(|r| r.library == *library)
            .ok_or_else(|| run_not_found(id))?;
        if !run.starter.eq_ignore_ascii_case(&caller.user_id)
            && !is_library_admin(&mut conn, caller, library).await?
        {
            return Err(run_not_found(id));
        }
        let workflow_name = dossier_store::workflows::workflow_by_id(&mut conn, &run.workflow)
            .await?
            .map(|w| w.name);
        let history = dossier_store::workflows::run_log(&mut conn, &run.id).await?;
        Ok(RunView {
            run,
            workflow_name,
            history,
        })
    }

    /// The flow reports its run's state (UpdateWorkflowState). `name` is Power Automate's
    /// run id (recorded from the callback's answer) or Dossier's own. Only the workflow's
    /// author (whose connection the flow uses) or a library administrator may; to anyone
    /// else the run does not exist.
    pub async fn update_workflow_state(
        &self,
        caller: &Caller,
        library: &LibraryId,
        name: &str,
        report: StateReport,
    ) -> Result<WorkflowRun> {
        let status = report
            .status
            .map(|s| text_within("status", &s, STATUS_MAX, false))
            .transpose()?
            .filter(|s| !s.is_empty());
        let message = report
            .message
            .map(|s| text_within("statusMessage", &s, STATUS_MESSAGE_MAX, false))
            .transpose()?
            .filter(|s| !s.is_empty());
        let mut tx = self.store.begin().await?;
        let conn = tx.conn();
        crate::libraries::resolve(conn, caller, caller.customer_id, library.as_str()).await?;
        let mut run = dossier_store::workflows::run_named(conn, library, name)
            .await?
            .ok_or_else(|| run_not_found(name))?;
        let author = dossier_store::workflows::workflow_by_id(conn, &run.workflow)
            .await?
            .is_some_and(|w| w.registered_by.eq_ignore_ascii_case(&caller.user_id));
        if !author && !is_library_admin(conn, caller, library).await? {
            return Err(run_not_found(name));
        }
        let now = self.now();
        dossier_store::workflows::set_run_state(
            conn,
            &run.id,
            report.state,
            status.as_deref(),
            message.as_deref(),
            now,
        )
        .await?;
        dossier_store::workflows::log(
            conn,
            &run.id,
            &RunEntry::State {
                at: now,
                state: report.state,
                status: status.clone(),
                message: message.clone(),
                by: caller.user_id.to_uppercase(),
            },
        )
        .await?;
        tx.commit().await?;
        run.state = report.state;
        run.status = status;
        run.message = message;
        run.updated = now;
        Ok(run)
    }
}

/// The single trigger's scope (workspaces, classes) admits every selected document; the
/// multiple trigger has none.
fn in_scope(w: &Workflow, selected: &[payload::Selected]) -> bool {
    w.kind == TriggerKind::Multiple
        || selected
            .iter()
            .all(|s| w.audience.scope_admits(s.workspace, &s.class))
}
