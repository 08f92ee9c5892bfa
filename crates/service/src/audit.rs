//! The audit log's writer: what a use case says about a change (`Audit`) and the record it
//! becomes, with the actor, the client's address and the request id. A module of its own
//! because identity, security, walls, tokens, sign-in and the authorization server all
//! write audit records, and none of them should depend on another for it. Reading the log
//! is an identity administrator's use case (`identity::audit_log`).

use dossier_core::identity::{AuditAction, AuditOutcome, AuditRecord};
use dossier_store::AnyConnection;
use serde_json::Value;

use crate::{Caller, Dossier, Result};

/// What an audit record says about a change, before it is written.
pub(crate) struct Audit {
    pub action: AuditAction,
    pub target: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: Value,
}

impl Dossier {
    /// Writes an audit record in the caller's transaction.
    pub(crate) async fn audit(
        &self,
        conn: &mut AnyConnection,
        actor: Option<&Caller>,
        a: Audit,
    ) -> Result<()> {
        dossier_store::audit::append(
            conn,
            &AuditRecord {
                seq: 0,
                customer_id: actor.map_or(self.settings.customer_id, |c| c.customer_id),
                at: self.now(),
                actor: actor.map(|c| c.user_id.clone()),
                action: a.action.as_str().to_string(),
                target: a.target,
                outcome: a.outcome,
                address: actor.and_then(|c| c.address.clone()),
                detail: a.detail.to_string(),
                request_id: crate::request::current(),
            },
        )
        .await
    }

    /// An audit record whose actor is known only by id (sign-ins, tokens).
    pub(crate) async fn audit_subject(
        &self,
        conn: &mut AnyConnection,
        actor: Option<&str>,
        address: Option<&str>,
        a: Audit,
    ) -> Result<()> {
        dossier_store::audit::append(
            conn,
            &AuditRecord {
                seq: 0,
                customer_id: self.settings.customer_id,
                at: self.now(),
                actor: actor.map(str::to_string),
                action: a.action.as_str().to_string(),
                target: a.target,
                outcome: a.outcome,
                address: address.map(str::to_string),
                detail: a.detail.to_string(),
                request_id: crate::request::current(),
            },
        )
        .await
    }
}
