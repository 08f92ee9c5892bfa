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
