//! Workflow triggers: each library's forms, the registrations flows make, the runs users
//! start, their history and the claims of the nodes that send them.

use chrono::{DateTime, Utc};
use dossier_core::workflows::{
    Audience, Choices, Delivery, FieldKind, FlowIdentity, Form, FormField, RunEntry, RunState,
    TriggerKind, Workflow, WorkflowRun,
};
use dossier_core::{DomainError, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool, get_opt_ts, get_ts};
use crate::{DbResult, Result};

fn joined<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

fn split(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(';').filter(|s| !s.is_empty())
}

fn corrupt(what: &str, raw: &str) -> DomainError {
    DomainError::Internal(format!(
        "stored {what} '{raw}' is not one this version knows"
    ))
}

// ---- forms ----

const FORM: &str = "SELECT library, id, name, contexts, created_at, updated_at FROM workflow_forms";

async fn form_from(conn: &mut AnyConnection, row: &AnyRow) -> Result<Form> {
    let library: String = row.try_get("library").db()?;
    let library = LibraryId::parse(&library).map_err(|_| corrupt("library", &library))?;
    let id: String = row.try_get("id").db()?;
    let contexts: String = row.try_get("contexts").db()?;
    let contexts = split(&contexts)
        .map(|c| TriggerKind::parse(c).ok_or_else(|| corrupt("trigger", c)))
        .collect::<Result<Vec<_>>>()?;
    let rows = Sql::new(
        "SELECT id, label, kind, required, choices, lookup_field FROM workflow_form_fields WHERE library = ",
    )
    .bind(library.as_str())
    .push(" AND form = ")
    .bind(id.as_str())
    .push(" ORDER BY position")
    .fetch_all(conn)
    .await?;
    let mut fields = Vec::new();
    for r in &rows {
        let kind: String = r.try_get("kind").db()?;
        let choices: Option<String> = r.try_get("choices").db()?;
        let lookup: Option<i64> = r.try_get("lookup_field").db()?;
        fields.push(FormField {
            id: r.try_get("id").db()?,
            label: r.try_get("label").db()?,
            kind: FieldKind::parse(&kind).ok_or_else(|| corrupt("field kind", &kind))?,
            required: get_bool(r, "required")?,
            choices: match (lookup, choices) {
                (Some(n), _) => Choices::Lookup(n as usize),
                (None, Some(c)) => Choices::Listed(c.split('\n').map(str::to_string).collect()),
                (None, None) => Choices::None,
            },
        });
    }
    Ok(Form {
        library,
        id,
        name: row.try_get("name").db()?,
        contexts,
        fields,
        created: get_ts(row, "created_at")?,
        updated: get_ts(row, "updated_at")?,
    })
}

pub async fn forms(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<Form>> {
    let rows = Sql::new(&format!("{FORM} WHERE library = "))
        .bind(library.as_str())
        .push(" ORDER BY name, id")
        .fetch_all(conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(form_from(conn, r).await?);
    }
    Ok(out)
}

pub async fn form(conn: &mut AnyConnection, library: &LibraryId, id: &str) -> Result<Option<Form>> {
    let Some(row) = Sql::new(&format!("{FORM} WHERE library = "))
        .bind(library.as_str())
        .push(" AND id = ")
        .bind(id)
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(form_from(conn, &row).await?))
}

/// Writes a form and its fields, replacing what was stored under its id.
pub async fn put_form(conn: &mut AnyConnection, f: &Form) -> Result<()> {
    delete_form(conn, &f.library, &f.id).await?;
    Sql::new(
        "INSERT INTO workflow_forms (library, id, name, contexts, created_at, updated_at) VALUES (",
    )
    .bind(f.library.as_str())
    .push(", ")
    .bind(f.id.as_str())
    .push(", ")
    .bind(f.name.as_str())
    .push(", ")
    .bind(joined(
        &f.contexts.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    ))
    .push(", ")
    .bind(f.created)
    .push(", ")
    .bind(f.updated)
    .push(")")
    .execute(conn)
    .await?;
    for (i, field) in f.fields.iter().enumerate() {
        let (choices, lookup) = match &field.choices {
            Choices::None => (None, None),
            Choices::Listed(c) => (Some(c.join("\n")), None),
            Choices::Lookup(n) => (None, Some(*n as i64)),
        };
        Sql::new("INSERT INTO workflow_form_fields (library, form, position, id, label, kind, required, choices, lookup_field) VALUES (")
            .bind(f.library.as_str())
            .push(", ")
            .bind(f.id.as_str())
            .push(", ")
            .bind(i as i64)
            .push(", ")
            .bind(field.id.as_str())
            .push(", ")
            .bind(field.label.as_str())
            .push(", ")
            .bind(field.kind.as_str())
            .push(", ")
            .bind(field.required)
            .push(", ")
            .bind(choices)
            .push(", ")
            .bind(lookup)
            .push(")")
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn delete_form(conn: &mut AnyConnection, library: &LibraryId, id: &str) -> Result<u64> {
    Sql::new("DELETE FROM workflow_form_fields WHERE library = ")
        .bind(library.as_str())
        .push(" AND form = ")
        .bind(id)
        .execute(conn)
        .await?;
    Sql::new("DELETE FROM workflow_forms WHERE library = ")
        .bind(library.as_str())
        .push(" AND id = ")
        .bind(id)
        .execute(conn)
        .await
}

// ---- registrations ----

const WORKFLOW: &str = "SELECT id, library, kind, name, description, callback_url, form, infer_folder, wait_for_completion, audience_users, audience_groups, audience_workspaces, audience_classes, flow_name, flow_environment, flow_version, registered_by, secret, created_at, updated_at FROM workflows";

fn workflow(row: &AnyRow) -> Result<Workflow> {
    let library: String = row.try_get("library").db()?;
    let kind: String = row.try_get("kind").db()?;
    let list = |col: &str| -> Result<Vec<String>> {
        let raw: String = row.try_get(col).db()?;
        Ok(split(&raw).map(str::to_string).collect())
    };
    let workspaces = list("audience_workspaces")?
        .iter()
        .map(|w| w.parse::<i64>().map_err(|_| corrupt("workspace", w)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Workflow {
        id: row.try_get("id").db()?,
        library: LibraryId::parse(&library).map_err(|_| corrupt("library", &library))?,
        kind: TriggerKind::parse(&kind).ok_or_else(|| corrupt("trigger", &kind))?,
        name: row.try_get("name").db()?,
        description: row.try_get("description").db()?,
        callback_url: row.try_get("callback_url").db()?,
        form: row.try_get("form").db()?,
        infer_folder: get_bool(row, "infer_folder")?,
        wait_for_completion: get_bool(row, "wait_for_completion")?,
        audience: Audience {
            users: list("audience_users")?,
            groups: list("audience_groups")?,
            workspaces,
            classes: list("audience_classes")?,
        },
        flow: FlowIdentity {
            name: row.try_get("flow_name").db()?,
            environment: row.try_get("flow_environment").db()?,
            version: row.try_get("flow_version").db()?,
        },
        registered_by: row.try_get("registered_by").db()?,
        secret: row.try_get("secret").db()?,
        created: get_ts(row, "created_at")?,
        updated: get_ts(row, "updated_at")?,
    })
}

pub async fn insert_workflow(conn: &mut AnyConnection, w: &Workflow) -> Result<()> {
    Sql::new("INSERT INTO workflows (id, library, kind, name, description, callback_url, form, infer_folder, wait_for_completion, audience_users, audience_groups, audience_workspaces, audience_classes, flow_name, flow_environment, flow_version, registered_by, secret, created_at, updated_at) VALUES (")
        .bind(w.id.as_str())
        .push(", ")
        .bind(w.library.as_str())
        .push(", ")
        .bind(w.kind.as_str())
        .push(", ")
        .bind(w.name.as_str())
        .push(", ")
        .bind(w.description.as_str())
        .push(", ")
        .bind(w.callback_url.as_str())
        .push(", ")
        .bind(w.form.as_str())
        .push(", ")
        .bind(w.infer_folder)
        .push(", ")
        .bind(w.wait_for_completion)
        .push(", ")
        .bind(joined(&w.audience.users))
        .push(", ")
        .bind(joined(&w.audience.groups))
        .push(", ")
        .bind(joined(&w.audience.workspaces))
        .push(", ")
        .bind(joined(&w.audience.classes))
        .push(", ")
        .bind(w.flow.name.clone())
        .push(", ")
        .bind(w.flow.environment.clone())
        .push(", ")
        .bind(w.flow.version.clone())
        .push(", ")
        .bind(w.registered_by.as_str())
        .push(", ")
        .bind(w.secret.as_str())
        .push(", ")
        .bind(w.created)
        .push(", ")
        .bind(w.updated)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn workflow_by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<Workflow>> {
    Sql::new(&format!("{WORKFLOW} WHERE id = "))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| workflow(&r))
        .transpose()
}

/// The registration of the same flow (environment and flow name) for this trigger and
/// library, if any.
pub async fn workflow_of_flow(
    conn: &mut AnyConnection,
    library: &LibraryId,
    kind: TriggerKind,
    environment: &str,
    name: &str,
) -> Result<Option<Workflow>> {
    Sql::new(&format!("{WORKFLOW} WHERE library = "))
        .bind(library.as_str())
        .push(" AND kind = ")
        .bind(kind.as_str())
        .push(" AND flow_environment = ")
        .bind(environment)
        .push(" AND flow_name = ")
        .bind(name)
        .fetch_optional(conn)
        .await?
        .map(|r| workflow(&r))
        .transpose()
}

pub async fn workflows(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<Workflow>> {
    Sql::new(&format!("{WORKFLOW} WHERE library = "))
        .bind(library.as_str())
        .push(" ORDER BY name, id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(workflow)
        .collect()
}

/// How many registrations of a library name a form.
pub async fn workflows_using_form(
    conn: &mut AnyConnection,
    library: &LibraryId,
    form: &str,
) -> Result<i64> {
    let row = Sql::new("SELECT COUNT(*) AS n FROM workflows WHERE library = ")
        .bind(library.as_str())
        .push(" AND form = ")
        .bind(form)
        .fetch_one(conn)
        .await?;
    row.try_get("n").db()
}

pub async fn delete_workflow(conn: &mut AnyConnection, id: &str) -> Result<u64> {
    Sql::new("DELETE FROM workflows WHERE id = ")
        .bind(id)
        .execute(conn)
        .await
}

// ---- runs ----

const RUN: &str = "SELECT id, workflow, library, starter, documents, payload, state, status, status_message, delivery, flow_run_id, attempts, created_at, updated_at FROM workflow_runs";

fn run(row: &AnyRow) -> Result<WorkflowRun> {
    let library: String = row.try_get("library").db()?;
    let state: String = row.try_get("state").db()?;
    let delivery: String = row.try_get("delivery").db()?;
    let documents: String = row.try_get("documents").db()?;
    Ok(WorkflowRun {
        id: row.try_get("id").db()?,
        workflow: row.try_get("workflow").db()?,
        library: LibraryId::parse(&library).map_err(|_| corrupt("library", &library))?,
        starter: row.try_get("starter").db()?,
        documents: split(&documents).map(str::to_string).collect(),
        payload: row.try_get("payload").db()?,
        state: RunState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        status: row.try_get("status").db()?,
        message: row.try_get("status_message").db()?,
        delivery: Delivery::parse(&delivery).ok_or_else(|| corrupt("delivery", &delivery))?,
        flow_run_id: row.try_get("flow_run_id").db()?,
        attempts: row.try_get("attempts").db()?,
        created: get_ts(row, "created_at")?,
        updated: get_ts(row, "updated_at")?,
    })
}

/// A new run, pending delivery from `created`.
pub async fn insert_run(conn: &mut AnyConnection, r: &WorkflowRun) -> Result<()> {
    Sql::new("INSERT INTO workflow_runs (id, workflow, library, starter, documents, payload, state, status, status_message, delivery, flow_run_id, attempts, next_attempt_at, created_at, updated_at) VALUES (")
        .bind(r.id.as_str())
        .push(", ")
        .bind(r.workflow.as_str())
        .push(", ")
        .bind(r.library.as_str())
        .push(", ")
        .bind(r.starter.as_str())
        .push(", ")
        .bind(joined(&r.documents))
        .push(", ")
        .bind(r.payload.as_str())
        .push(", ")
        .bind(r.state.as_str())
        .push(", ")
        .bind(r.status.clone())
        .push(", ")
        .bind(r.message.clone())
        .push(", ")
        .bind(r.delivery.as_str())
        .push(", ")
        .bind(r.flow_run_id.clone())
        .push(", ")
        .bind(r.attempts)
        .push(", ")
        .bind(r.created)
        .push(", ")
        .bind(r.created)
        .push(", ")
        .bind(r.updated)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn run_by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<WorkflowRun>> {
    Sql::new(&format!("{RUN} WHERE id = "))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| run(&r))
        .transpose()
}

/// The run of a library that Power Automate's run id, or Dossier's own, names.
pub async fn run_named(
    conn: &mut AnyConnection,
    library: &LibraryId,
    name: &str,
) -> Result<Option<WorkflowRun>> {
    Sql::new(&format!("{RUN} WHERE library = "))
        .bind(library.as_str())
        .push(" AND (flow_run_id = ")
        .bind(name)
        .push(" OR id = ")
        .bind(name)
        .push(") ORDER BY created_at DESC")
        .fetch_optional(conn)
        .await?
        .map(|r| run(&r))
        .transpose()
}

pub async fn set_run_state(
    conn: &mut AnyConnection,
    id: &str,
    state: RunState,
    status: Option<&str>,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64> {
    Sql::new("UPDATE workflow_runs SET state = ")
        .bind(state.as_str())
        .push(", status = ")
        .bind(status)
        .push(", status_message = ")
        .bind(message)
        .push(", updated_at = ")
        .bind(now)
        .push(" WHERE id = ")
        .bind(id)
        .execute(conn)
        .await
}

/// Appends a line to a run's history.
pub async fn log(conn: &mut AnyConnection, run: &str, entry: &RunEntry) -> Result<()> {
    let mut sql = Sql::new(
        "INSERT INTO workflow_run_log (run, kind, at, state, status, message, by_user, http_status, latency_ms, error) VALUES (",
    );
    sql.bind(run).push(", ");
    match entry {
        RunEntry::State {
            at,
            state,
            status,
            message,
            by,
        } => sql
            .bind("state")
            .push(", ")
            .bind(*at)
            .push(", ")
            .bind(state.as_str())
            .push(", ")
            .bind(status.clone())
            .push(", ")
            .bind(message.clone())
            .push(", ")
            .bind(by.as_str())
            .push(", ")
            .bind(Option::<i64>::None)
            .push(", ")
            .bind(Option::<i64>::None)
            .push(", ")
            .bind(Option::<String>::None),
        RunEntry::Attempt {
            at,
            http_status,
            latency_ms,
            error,
        } => sql
            .bind("attempt")
            .push(", ")
            .bind(*at)
            .push(", ")
            .bind(Option::<String>::None)
            .push(", ")
            .bind(Option::<String>::None)
            .push(", ")
            .bind(Option::<String>::None)
            .push(", ")
            .bind(Option::<String>::None)
            .push(", ")
            .bind(http_status.map(i64::from))
            .push(", ")
            .bind(*latency_ms)
            .push(", ")
            .bind(error.clone()),
    };
    sql.push(")").execute(conn).await?;
    Ok(())
}

pub async fn run_log(conn: &mut AnyConnection, run: &str) -> Result<Vec<RunEntry>> {
    let rows = Sql::new("SELECT kind, at, state, status, message, by_user, http_status, latency_ms, error FROM workflow_run_log WHERE run = ")
        .bind(run)
        .push(" ORDER BY seq")
        .fetch_all(conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let kind: String = r.try_get("kind").db()?;
        let at = get_ts(r, "at")?;
        out.push(if kind == "attempt" {
            let status: Option<i64> = r.try_get("http_status").db()?;
            RunEntry::Attempt {
                at,
                http_status: status.and_then(|s| u16::try_from(s).ok()),
                latency_ms: r.try_get::<Option<i64>, _>("latency_ms").db()?.unwrap_or(0),
                error: r.try_get("error").db()?,
            }
        } else {
            let state: Option<String> = r.try_get("state").db()?;
            let state = state.unwrap_or_default();
            RunEntry::State {
                at,
                state: RunState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
                status: r.try_get("status").db()?,
                message: r.try_get("message").db()?,
                by: r
                    .try_get::<Option<String>, _>("by_user")
                    .db()?
                    .unwrap_or_default(),
            }
        });
    }
    Ok(out)
}

// ---- delivery ----

/// What sending a run needs.
#[derive(Clone, Debug)]
pub struct Job {
    pub run: String,
    pub payload: String,
    pub callback_url: String,
    pub secret: String,
    pub flow_name: Option<String>,
    pub attempts: i64,
    pub first_failure: Option<DateTime<Utc>>,
}

/// Runs due for sending (pending, their time come, not held by a live claim), oldest first.
pub async fn due_runs(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<String>> {
    let rows =
        Sql::new("SELECT id FROM workflow_runs WHERE delivery = 'pending' AND next_attempt_at <= ")
            .bind(now)
            .push(" AND (claimed_until IS NULL OR claimed_until < ")
            .bind(now)
            .push(") ORDER BY next_attempt_at, id LIMIT ")
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.iter().map(|r| r.try_get("id").db()).collect()
}

/// Takes a run for sending until `until`; false when another node holds it or it is no
/// longer pending. The condition and the write are one statement, so of two nodes racing
/// for a run exactly one gets it.
pub async fn claim(
    conn: &mut AnyConnection,
    run: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    Ok(Sql::new("UPDATE workflow_runs SET claimed_until = ")
        .bind(until)
        .push(" WHERE id = ")
        .bind(run)
        .push(" AND delivery = 'pending' AND (claimed_until IS NULL OR claimed_until < ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?
        == 1)
}

/// A claimed run with its workflow's callback (none when the workflow was unregistered).
pub async fn job(conn: &mut AnyConnection, run: &str) -> Result<Option<Job>> {
    let Some(r) = Sql::new("SELECT r.id AS id, r.payload AS payload, r.attempts AS attempts, r.first_failure_at AS first_failure_at, w.callback_url AS callback_url, w.secret AS secret, w.flow_name AS flow_name FROM workflow_runs r JOIN workflows w ON w.id = r.workflow WHERE r.id = ")
        .bind(run)
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Job {
        run: r.try_get("id").db()?,
        payload: r.try_get("payload").db()?,
        callback_url: r.try_get("callback_url").db()?,
        secret: r.try_get("secret").db()?,
        flow_name: r.try_get("flow_name").db()?,
        attempts: r.try_get("attempts").db()?,
        first_failure: get_opt_ts(&r, "first_failure_at")?,
    }))
}

/// Records the outcome of an attempt: delivered (with the flow's run id), to be retried at
/// `next`, or dead-lettered; the claim is released.
pub async fn finish_attempt(
    conn: &mut AnyConnection,
    run: &str,
    delivery: Delivery,
    flow_run_id: Option<&str>,
    first_failure: Option<DateTime<Utc>>,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("UPDATE workflow_runs SET delivery = ")
        .bind(delivery.as_str())
        .push(", attempts = attempts + 1, flow_run_id = COALESCE(")
        .bind(flow_run_id)
        .push(", flow_run_id), first_failure_at = ")
        .bind(first_failure)
        .push(", next_attempt_at = ")
        .bind(next)
        .push(", claimed_until = NULL, updated_at = ")
        .bind(now)
        .push(" WHERE id = ")
        .bind(run)
        .execute(conn)
        .await?;
    Ok(())
}

/// The users of a library, by id: (id, full name).
pub async fn library_users(
    conn: &mut AnyConnection,
    library: &LibraryId,
) -> Result<Vec<(String, String)>> {
    let rows = Sql::new("SELECT u.id AS id, u.full_name AS full_name FROM library_users m JOIN users u ON u.id = m.user_id WHERE m.library = ")
        .bind(library.as_str())
        .push(" ORDER BY u.id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id").db()?, r.try_get("full_name").db()?)))
        .collect()
}
