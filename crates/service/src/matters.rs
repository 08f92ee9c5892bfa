//! Closing and re-opening a matter (a workspace): the name gets the library's prefix (or
//! the request's), the status field its closed value, and the workspace may become
//! read-only for everyone but administrators; re-opening gives all of it back. The
//! read-only cap itself is part of the access check (`access::Dossier::require`), which
//! reads the closed read-only workspaces into each access context.

use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::matters::{
    CloseOptions, ClosingSettings, Closure, MatterActivity, MatterEvent, closed_name,
};
use dossier_core::model::{Container, ContainerKind};
use dossier_core::{ContainerId, CustomValue, DomainError, LibraryId};
use dossier_store::AnyConnection;
use serde_json::json;

use crate::access::{ChangeSecurity, Checked, Edit, Read};
use crate::audit::Audit;
use crate::events::{Change, emit};
use crate::profile::validate_customs;
use crate::{Caller, Dossier, Result};

const WORKSPACE: &[ContainerKind] = &[ContainerKind::Workspace];

/// Sets the status field (if the library has one) to `value`, checking a lookup alias
/// against its table.
async fn set_status(
    conn: &mut AnyConnection,
    c: &mut Container,
    field: usize,
    value: Option<CustomValue>,
) -> Result<()> {
    validate_customs(conn, &c.id.library, &[(field, value.clone())], &c.customs).await?;
    c.customs.set(field, value);
    Ok(())
}

impl Dossier {
    /// The library's closing settings (the defaults when it has none).
    pub async fn closing_settings(
        &self,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<ClosingSettings> {
        let mut conn = self.store.read().await?;
        crate::catalog::require_library_admin(&mut conn, caller, library).await?;
        dossier_store::matters::settings(&mut conn, library).await
    }

    pub async fn set_closing_settings(
        &self,
        caller: &Caller,
        library: &LibraryId,
        settings: &ClosingSettings,
    ) -> Result<ClosingSettings> {
        let mut tx = self.store.begin().await?;
        crate::catalog::require_library_admin(tx.conn(), caller, library).await?;
        if let Some(s) = &settings.status {
            for v in [Some(s.closed.clone()), s.open.clone()] {
                validate_customs(tx.conn(), library, &[(s.field, v)], &Default::default()).await?;
            }
        }
        let before = dossier_store::matters::settings(tx.conn(), library).await?;
        dossier_store::matters::put_settings(tx.conn(), library, settings).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::ClosingSettingsUpdate,
                target: Some(library.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"before": settings_detail(&before), "after": settings_detail(settings)}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(settings.clone())
    }

    /// Closes a matter: renames the workspace with the prefix, sets the status field and,
    /// if asked, makes it read-only. A closed matter is a conflict.
    pub async fn close_matter(
        &self,
        caller: &Caller,
        id: &ContainerId,
        options: &CloseOptions,
    ) -> Result<Container> {
        let mut tx = self.store.begin().await?;
        let mut c = self
            .container_kind_for(tx.conn(), caller, id, WORKSPACE, Edit)
            .await?;
        if c.is_template {
            return Err(DomainError::invalid(
                "id",
                format!("{id} is a workspace template, not a matter: it cannot be closed"),
            ));
        }
        if dossier_store::matters::closure_of(tx.conn(), id)
            .await?
            .is_some()
        {
            return Err(DomainError::Conflict(format!(
                "workspace {id} is already closed"
            )));
        }
        let settings = dossier_store::matters::settings(tx.conn(), &id.library).await?;
        let (prefix, read_only) = options.resolve(&settings)?;
        if read_only {
            // Freezing a matter takes everyone's edit rights away: a security change, for
            // those who may change its security.
            self.container_kind_for(tx.conn(), caller, id, WORKSPACE, ChangeSecurity)
                .await?;
        }
        let now = self.now();
        let original = c.name.clone();
        c.name = closed_name(&prefix, &original)?;
        if let Some(s) = &settings.status {
            set_status(tx.conn(), &mut c, s.field, Some(s.closed.clone())).await?;
        }
        c.edit_date = now;
        let closure = Closure {
            workspace: id.clone(),
            original_name: original.clone(),
            read_only,
            closed_at: now,
            closed_by: caller.user_id.clone(),
        };
        dossier_store::matters::insert_closure(tx.conn(), &closure).await?;
        let event = MatterEvent {
            workspace: id.clone(),
            activity: MatterActivity::Closed,
            date: now,
            user: caller.user_id.clone(),
            name_before: original,
            name_after: c.name.clone(),
            read_only,
            comments: options.comments.clone(),
        };
        self.record(tx.conn(), caller, &c, &event).await?;
        tx.commit().await?;
        Ok(c.into_inner())
    }

    /// Re-opens a closed matter: the original name, the status field's open value, and
    /// no read-only cap. An open matter is a conflict.
    pub async fn reopen_matter(
        &self,
        caller: &Caller,
        id: &ContainerId,
        comments: &str,
    ) -> Result<Container> {
        let mut tx = self.store.begin().await?;
        let mut c = self
            .container_kind_for(tx.conn(), caller, id, WORKSPACE, Edit)
            .await?;
        let Some(closure) = dossier_store::matters::closure_of(tx.conn(), id).await? else {
            return Err(DomainError::Conflict(format!(
                "workspace {id} is not closed"
            )));
        };
        let settings = dossier_store::matters::settings(tx.conn(), &id.library).await?;
        let before = c.name.clone();
        c.name = closure.original_name.clone();
        if let Some(s) = &settings.status {
            set_status(tx.conn(), &mut c, s.field, s.open.clone()).await?;
        }
        c.edit_date = self.now();
        dossier_store::matters::delete_closure(tx.conn(), id).await?;
        let event = MatterEvent {
            workspace: id.clone(),
            activity: MatterActivity::Reopened,
            date: c.edit_date,
            user: caller.user_id.clone(),
            name_before: before,
            name_after: c.name.clone(),
            read_only: closure.read_only,
            comments: comments.to_string(),
        };
        self.record(tx.conn(), caller, &c, &event).await?;
        tx.commit().await?;
        Ok(c.into_inner())
    }

    /// What closing or re-opening writes besides the closure: the workspace row, its
    /// history, the audit record and the events (the profile for the index; the security
    /// stamp when the read-only cap comes or goes, so every access context re-reads it).
    async fn record(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        c: &Checked<Container, Edit>,
        event: &MatterEvent,
    ) -> Result<()> {
        dossier_store::containers::update(&mut *conn, c).await?;
        crate::reports::record_workspace(&mut *conn, caller.customer_id, c, c.edit_date).await?;
        dossier_store::matters::append_event(&mut *conn, event).await?;
        self.audit(
            &mut *conn,
            Some(caller),
            Audit {
                action: match event.activity {
                    MatterActivity::Closed => AuditAction::MatterClose,
                    MatterActivity::Reopened => AuditAction::MatterReopen,
                },
                target: Some(c.id.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({
                    "library": c.id.library.as_str(),
                    "before": {"name": event.name_before},
                    "after": {"name": event.name_after},
                    "read_only": event.read_only,
                    "comments": event.comments,
                }),
            },
        )
        .await?;
        emit(
            &mut *conn,
            caller,
            c.edit_date,
            Change::WorkspaceProfileUpdated {
                workspace: c.id.clone(),
            },
        )
        .await?;
        if event.read_only {
            crate::acl_keys::security_changed(
                &mut *conn,
                caller,
                c.edit_date,
                Change::ContainerSecurityChanged {
                    container: c.id.clone(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// A workspace's history of closes and re-opens, newest first, and whether it is closed
    /// now.
    pub async fn matter_history(
        &self,
        caller: &Caller,
        id: &ContainerId,
    ) -> Result<(Vec<MatterEvent>, Option<Closure>)> {
        let mut conn = self.store.read().await?;
        let _: Checked<Container, Read> = self
            .container_kind_for(&mut conn, caller, id, WORKSPACE, Read)
            .await?;
        Ok((
            dossier_store::matters::events(&mut conn, id).await?,
            dossier_store::matters::closure_of(&mut conn, id).await?,
        ))
    }
}

fn settings_detail(s: &ClosingSettings) -> serde_json::Value {
    json!({
        "prefix": s.prefix,
        "status_field": s.status.as_ref().map(|f| f.field),
        "closed_value": s.status.as_ref().and_then(|f| f.closed.as_text().map(str::to_string)),
        "open_value": s.status.as_ref().and_then(|f| f.open.as_ref()).and_then(|v| v.as_text().map(str::to_string)),
        "read_only": s.read_only,
    })
}
