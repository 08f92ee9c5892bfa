//! Writing outbox events. Called inside the transaction of the mutation it records.

use chrono::{DateTime, Utc};
pub(crate) use dossier_core::events::Change;
use dossier_core::model::Event;
use dossier_store::AnyConnection;

use crate::{Caller, Result};

pub(crate) async fn emit(
    conn: &mut AnyConnection,
    caller: &Caller,
    now: DateTime<Utc>,
    change: Change,
) -> Result<()> {
    dossier_store::events::append(
        conn,
        &Event {
            seq: 0,
            row: change.encode(),
            user_id: caller.user_id.clone(),
            event_date: now,
        },
    )
    .await
}

impl crate::Dossier {
    /// Which of `changes` `reader` may be told of now, one answer per change, in order: the
    /// rule of the change-events feed and of webhook deliveries, so that neither reveals
    /// an object the reader cannot read.
    ///
    /// Until the per-object rule exists, administrators may be told of every change and
    /// nobody else of any.
    pub(crate) async fn visible_changes(
        &self,
        reader: &Caller,
        changes: &[Change],
    ) -> Result<Vec<bool>> {
        Ok(vec![reader.is_admin; changes.len()])
    }
}
