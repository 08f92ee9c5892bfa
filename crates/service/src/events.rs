//! Writing outbox events. Called inside the transaction of the mutation it records.

use chrono::{DateTime, Utc};
use dossier_core::model::Event;
use dossier_store::AnyConnection;

use crate::{Caller, Result};

pub(crate) struct Change<'a> {
    pub library: &'a str,
    pub item_type: &'static str,
    pub action: &'static str,
    pub object_id: String,
    pub related_object_id: Option<String>,
    pub root_id: Option<String>,
}

pub(crate) async fn emit(
    conn: &mut AnyConnection,
    caller: &Caller,
    now: DateTime<Utc>,
    c: Change<'_>,
) -> Result<()> {
    dossier_store::events::append(
        conn,
        &Event {
            seq: 0,
            library: c.library.to_string(),
            item_type: c.item_type.to_string(),
            action: c.action.to_string(),
            object_id: c.object_id,
            related_object_id: c.related_object_id,
            root_id: c.root_id,
            user_id: caller.user_id.clone(),
            event_date: now,
        },
    )
    .await
}
