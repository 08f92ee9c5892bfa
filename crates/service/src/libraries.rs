//! Libraries and the change-events feed.

use dossier_core::model::{ChangeEvent, Library};
use dossier_core::{DomainError, LibraryId};
use dossier_store::AnyConnection;

use crate::{Caller, Dossier, Result};

/// A page of the change-events feed.
#[derive(Debug)]
pub struct ChangeFeed {
    pub events: Vec<ChangeEvent>,
    /// The sequence of the last event read: where the next page starts. Past the page's
    /// last event when events this version cannot read were skipped after it.
    pub cursor: i64,
    /// More events are waiting beyond the page.
    pub overflow: bool,
}

/// Resolves a library the caller addresses by customer and alias. An unknown customer or
/// library is a 404, as is one of another customer, and one the caller is not a member of
/// (administrators are members of every library of their customer): the library's public
/// objects are for its users, not the whole customer's.
pub async fn resolve(
    conn: &mut AnyConnection,
    caller: &Caller,
    customer_id: i64,
    library: &str,
) -> Result<LibraryId> {
    if customer_id != caller.customer_id {
        return Err(DomainError::not_found(format!("customer {customer_id}")));
    }
    let id = LibraryId::parse(library)
        .map_err(|_| DomainError::not_found(format!("library {library}")))?;
    dossier_store::libraries::get(conn, customer_id, &id)
        .await?
        .ok_or_else(|| DomainError::not_found(format!("library {library}")))?;
    if !caller.is_admin
        && dossier_store::roles::membership_of(conn, id.as_str(), &caller.user_id)
            .await?
            .is_none()
    {
        return Err(DomainError::not_found(format!("library {library}")));
    }
    Ok(id)
}

impl Dossier {
    pub async fn libraries(&self, caller: &Caller, customer_id: i64) -> Result<Vec<Library>> {
        if customer_id != caller.customer_id {
            return Err(DomainError::not_found(format!("customer {customer_id}")));
        }
        let mut conn = self.store.read().await?;
        let all = dossier_store::libraries::list(&mut conn, customer_id).await?;
        if caller.is_admin {
            return Ok(all);
        }
        let mine = dossier_store::roles::memberships(&mut conn, &caller.user_id).await?;
        Ok(all
            .into_iter()
            .filter(|l| mine.iter().any(|m| m.library == l.id.as_str()))
            .collect())
    }

    pub async fn library(
        &self,
        caller: &Caller,
        customer_id: i64,
        library: &str,
    ) -> Result<LibraryId> {
        let mut conn = self.store.read().await?;
        resolve(&mut conn, caller, customer_id, library).await
    }

    /// Events after `cursor` (exclusive), oldest first, at most `limit`, trimmed to those
    /// the caller may be told of (`Dossier::visible_changes`, the rule webhook deliveries
    /// follow too). Any member of the library may read it.
    ///
    /// The page is `limit` events of the outbox, then trimmed: it may hold fewer than
    /// `limit`, even none, and the cursor is past its last event read whether shown or
    /// not, so a reader who sees little of a library still moves through it; `overflow`
    /// says that more events exist beyond the cursor, shown or not.
    ///
    /// A row this version cannot decode (written by a newer version, during a rolling
    /// upgrade or before a rollback) is left out with a warning, and the cursor moves past
    /// it: a page never stops on it for good, and the feed shows only changes it can name,
    /// as webhooks do.
    pub async fn change_events(
        &self,
        caller: &Caller,
        library: &LibraryId,
        cursor: i64,
        limit: i64,
        item_type: Option<&str>,
        action: Option<&str>,
    ) -> Result<ChangeFeed> {
        let limit = limit.clamp(1, 1000);
        let mut conn = self.store.read().await?;
        resolve(&mut conn, caller, caller.customer_id, library.as_str()).await?;
        let mut rows = dossier_store::events::after(
            &mut conn,
            library.as_str(),
            cursor.max(0),
            limit + 1,
            item_type,
            action,
        )
        .await?;
        drop(conn);
        let overflow = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let cursor = rows.last().map_or(cursor, |e| e.seq);
        let events: Vec<ChangeEvent> = rows
            .into_iter()
            .filter_map(|e| match e.change() {
                Ok(change) => Some(ChangeEvent {
                    seq: e.seq,
                    change,
                    user_id: e.user_id,
                    event_date: e.event_date,
                }),
                Err(unknown) => {
                    tracing::warn!(seq = e.seq, "change-events feed skips an event: {unknown}");
                    None
                }
            })
            .collect();
        let changes: Vec<_> = events.iter().map(|e| e.change.clone()).collect();
        let visible = self.visible_changes(caller, &changes).await?;
        let events = events
            .into_iter()
            .zip(visible)
            .filter_map(|(e, shown)| shown.then_some(e))
            .collect();
        Ok(ChangeFeed {
            events,
            cursor,
            overflow,
        })
    }
}
