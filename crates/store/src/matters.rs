//! The matter lifecycle: each library's closing settings, the closed workspaces and the
//! workspaces' history of closes and re-opens.

use dossier_core::matters::{ClosingSettings, Closure, MatterActivity, MatterEvent, StatusField};
use dossier_core::{ContainerId, DomainError, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool, get_ts};
use crate::{DbResult, Result};

/// A library's closing settings; the defaults when it has none.
pub async fn settings(conn: &mut AnyConnection, library: &LibraryId) -> Result<ClosingSettings> {
    let Some(row) = Sql::new(
        "SELECT closed_prefix, status_field, status_closed, status_open, read_only \
         FROM closing_settings WHERE library = ",
    )
    .bind(library.as_str())
    .fetch_optional(conn)
    .await?
    else {
        return Ok(ClosingSettings::default());
    };
    let status = match (
        row.try_get::<Option<i64>, _>("status_field").db()?,
        row.try_get::<Option<String>, _>("status_closed").db()?,
    ) {
        (Some(field), Some(closed)) => {
            let open: Option<String> = row.try_get("status_open").db()?;
            let field = usize::try_from(field)
                .map_err(|_| DomainError::Internal(format!("status field {field}")))?;
            Some(StatusField::new(field, &closed, open.as_deref())?)
        }
        _ => None,
    };
    Ok(ClosingSettings {
        prefix: row.try_get("closed_prefix").db()?,
        status,
        read_only: get_bool(&row, "read_only")?,
    })
}

pub async fn put_settings(
    conn: &mut AnyConnection,
    library: &LibraryId,
    s: &ClosingSettings,
) -> Result<()> {
    let text =
        |v: Option<&dossier_core::CustomValue>| v.and_then(|v| v.as_text()).map(str::to_string);
    let status = s.status.as_ref();
    Sql::new(
        "INSERT INTO closing_settings (library, closed_prefix, status_field, status_closed, status_open, read_only) VALUES (",
    )
    .bind(library.as_str())
    .push(", ")
    .bind(s.prefix.as_str())
    .push(", ")
    .bind(status.map(|f| f.field as i64))
    .push(", ")
    .bind(text(status.map(|f| &f.closed)))
    .push(", ")
    .bind(text(status.and_then(|f| f.open.as_ref())))
    .push(", ")
    .bind(s.read_only)
    .push(
        ") ON CONFLICT (library) DO UPDATE SET closed_prefix = excluded.closed_prefix, \
         status_field = excluded.status_field, status_closed = excluded.status_closed, \
         status_open = excluded.status_open, read_only = excluded.read_only",
    )
    .execute(conn)
    .await?;
    Ok(())
}

fn closure(library: &LibraryId, row: &AnyRow) -> Result<Closure> {
    Ok(Closure {
        workspace: ContainerId::new(library.clone(), row.try_get("workspace").db()?),
        original_name: row.try_get("original_name").db()?,
        read_only: get_bool(row, "read_only")?,
        closed_at: get_ts(row, "closed_at")?,
        closed_by: row.try_get("closed_by").db()?,
    })
}

/// The closure of a workspace, if it is closed.
pub async fn closure_of(
    conn: &mut AnyConnection,
    workspace: &ContainerId,
) -> Result<Option<Closure>> {
    Sql::new(
        "SELECT workspace, original_name, read_only, closed_at, closed_by FROM closed_matters WHERE library = ",
    )
    .bind(workspace.library.as_str())
    .push(" AND workspace = ")
    .bind(workspace.number)
    .fetch_optional(conn)
    .await?
    .map(|r| closure(&workspace.library, &r))
    .transpose()
}

pub async fn insert_closure(conn: &mut AnyConnection, c: &Closure) -> Result<()> {
    Sql::new(
        "INSERT INTO closed_matters (library, workspace, original_name, read_only, closed_at, closed_by) VALUES (",
    )
    .bind(c.workspace.library.as_str())
    .push(", ")
    .bind(c.workspace.number)
    .push(", ")
    .bind(c.original_name.as_str())
    .push(", ")
    .bind(c.read_only)
    .push(", ")
    .bind(c.closed_at)
    .push(", ")
    .bind(c.closed_by.as_str())
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_closure(conn: &mut AnyConnection, workspace: &ContainerId) -> Result<()> {
    Sql::new("DELETE FROM closed_matters WHERE library = ")
        .bind(workspace.library.as_str())
        .push(" AND workspace = ")
        .bind(workspace.number)
        .execute(conn)
        .await?;
    Ok(())
}

/// The numbers of a library's read-only (closed) workspaces, sorted.
pub async fn read_only_workspaces(
    conn: &mut AnyConnection,
    library: &LibraryId,
) -> Result<Vec<i64>> {
    Sql::new("SELECT workspace FROM closed_matters WHERE library = ")
        .bind(library.as_str())
        .push(" AND read_only = 1 ORDER BY workspace")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("workspace").db())
        .collect()
}

pub async fn append_event(conn: &mut AnyConnection, e: &MatterEvent) -> Result<()> {
    Sql::new(
        "INSERT INTO matter_history (library, workspace, activity, activity_date, user_id, name_before, name_after, read_only, comments) VALUES (",
    )
    .bind(e.workspace.library.as_str())
    .push(", ")
    .bind(e.workspace.number)
    .push(", ")
    .bind(e.activity.as_str())
    .push(", ")
    .bind(e.date)
    .push(", ")
    .bind(e.user.as_str())
    .push(", ")
    .bind(e.name_before.as_str())
    .push(", ")
    .bind(e.name_after.as_str())
    .push(", ")
    .bind(e.read_only)
    .push(", ")
    .bind(e.comments.as_str())
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

/// A workspace's history, newest first.
pub async fn events(conn: &mut AnyConnection, workspace: &ContainerId) -> Result<Vec<MatterEvent>> {
    Sql::new(
        "SELECT activity, activity_date, user_id, name_before, name_after, read_only, comments \
         FROM matter_history WHERE library = ",
    )
    .bind(workspace.library.as_str())
    .push(" AND workspace = ")
    .bind(workspace.number)
    .push(" ORDER BY id DESC")
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        let activity: String = row.try_get("activity").db()?;
        Ok(MatterEvent {
            workspace: workspace.clone(),
            activity: MatterActivity::parse(&activity).ok_or_else(|| {
                DomainError::Internal(format!("unknown matter activity {activity}"))
            })?,
            date: get_ts(row, "activity_date")?,
            user: row.try_get("user_id").db()?,
            name_before: row.try_get("name_before").db()?,
            name_after: row.try_get("name_after").db()?,
            read_only: get_bool(row, "read_only")?,
            comments: row.try_get("comments").db()?,
        })
    })
    .collect()
}
