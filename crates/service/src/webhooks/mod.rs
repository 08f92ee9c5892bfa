//! Webhook subscriptions (docs/webhooks.md): an integration names a target URL, the event
//! types it wants and optional filters, and the server POSTs each matching outbox event to
//! it, signed, in outbox order, at least once. `engine` does the sending; this module holds
//! the use cases that manage subscriptions and read their delivery logs.
//!
//! Owner: the caller who makes a subscription — a user, or the OAuth app of the token (then
//! recorded as `owner_app`, the events still trimmed to the token's user: an app acting
//! for a user, or its service account for a client-credentials token). A subscription is
//! visible to its owner user and to administrators only; to anyone else it does not exist.

pub mod engine;
mod payload;

use chrono::{DateTime, Utc};
use dossier_core::DomainError;
use dossier_core::limits::check_len;
use dossier_core::model::ContainerKind;
use dossier_core::webhooks::{DeliveryRecord, EventSelection, Webhook, WebhookFilters};

use crate::delivery::Secret;
use crate::{Caller, Dossier, Result};

/// How long delivery-log lines are kept (dead letters stay until their subscription goes).
const LOG_KEPT_DAYS: i64 = 30;
/// The longest description of a subscription.
const MAX_DESCRIPTION: usize = 500;
/// The most subscriptions one owner may hold: each one is a queue the server drives.
const MAX_PER_OWNER: i64 = 100;

/// A new subscription as a surface parsed it.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    pub events: EventSelection,
    pub filters: WebhookFilters,
    /// `whsec_…` chosen by the subscriber; the server makes one when absent.
    pub secret: Option<String>,
    pub description: String,
}

/// What a PATCH changes; `None` keeps what the subscription has.
#[derive(Clone, Debug, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<EventSelection>,
    pub filters: Option<WebhookFilters>,
    pub description: Option<String>,
    pub active: Option<bool>,
    /// A new secret: `Some(None)` makes one, `Some(Some(text))` takes the subscriber's.
    pub secret: Option<Option<String>>,
}

/// A subscription and, when it was just made or its secret replaced, the secret (shown
/// this once, never again).
#[derive(Clone, Debug)]
pub struct SavedWebhook {
    pub webhook: Webhook,
    pub secret: Option<String>,
}

impl Dossier {
    /// The secret a subscriber gave, checked, or a new one.
    fn webhook_secret(given: Option<&str>) -> Result<Secret> {
        match given {
            Some(text) => Secret::parse("secret", text.trim()),
            None => Ok(Secret::generate()),
        }
    }

    /// Checks filters against what the caller may see: a library they are a member of, a
    /// workspace they can read.
    async fn check_webhook_filters(&self, caller: &Caller, filters: &WebhookFilters) -> Result<()> {
        filters.check()?;
        // What the caller cannot see is named as not there, in the field that names it; any
        // other failure (the database) stays what it is.
        let absent = |field: &'static str, what: String| {
            move |e: DomainError| match e {
                DomainError::NotFound(_) => DomainError::invalid(field, format!("no {what}")),
                other => other,
            }
        };
        if let Some(library) = &filters.library {
            self.library(caller, caller.customer_id, library.as_str())
                .await
                .map_err(absent("library", format!("library {library}")))?;
        }
        if let Some(workspace) = &filters.workspace {
            self.library(caller, caller.customer_id, workspace.library.as_str())
                .await
                .map_err(absent("workspace_id", format!("workspace {workspace}")))?;
            self.container(caller, workspace, &[ContainerKind::Workspace])
                .await
                .map_err(absent("workspace_id", format!("workspace {workspace}")))?;
        }
        Ok(())
    }

    /// A subscription the caller may manage: their own, or any of their customer's for an
    /// administrator. Anything else is not found.
    async fn own_webhook(&self, caller: &Caller, customer: i64, id: i64) -> Result<Webhook> {
        let missing = || DomainError::not_found(format!("webhook {id}"));
        if customer != caller.customer_id {
            return Err(DomainError::not_found(format!("customer {customer}")));
        }
        let mut conn = self.store.read().await?;
        let w = dossier_store::webhooks::get(&mut conn, id)
            .await?
            .ok_or_else(missing)?;
        if w.customer_id != caller.customer_id
            || (w.owner_user != caller.user_id && !caller.is_admin)
        {
            return Err(missing());
        }
        Ok(w)
    }

    /// POST …/webhooks: subscribes the caller. Events committed from now on are delivered.
    pub async fn create_webhook(
        &self,
        caller: &Caller,
        customer: i64,
        new: NewWebhook,
    ) -> Result<SavedWebhook> {
        if customer != caller.customer_id {
            return Err(DomainError::not_found(format!("customer {customer}")));
        }
        let target = self.sender.target(&new.url)?;
        check_len("description", &new.description, MAX_DESCRIPTION)?;
        let secret = Self::webhook_secret(new.secret.as_deref())?;
        self.check_webhook_filters(caller, &new.filters).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let held = dossier_store::webhooks::list(
            tx.conn(),
            caller.customer_id,
            Some(&caller.user_id),
            0,
            MAX_PER_OWNER,
        )
        .await?;
        if held.len() as i64 >= MAX_PER_OWNER {
            return Err(DomainError::invalid(
                "url",
                format!("at most {MAX_PER_OWNER} webhook subscriptions per owner"),
            ));
        }
        let mut webhook = Webhook {
            id: 0,
            customer_id: caller.customer_id,
            owner_user: caller.user_id.clone(),
            owner_app: caller.client_id.clone(),
            owner_scope: caller.scope.to_string(),
            url: target.as_str().to_string(),
            events: new.events,
            filters: new.filters,
            description: new.description,
            active: true,
            last_seq: dossier_store::events::newest_seq(tx.conn()).await?,
            attempts: 0,
            first_failure: None,
            next_attempt: DateTime::<Utc>::UNIX_EPOCH,
            created_at: now,
            updated_at: now,
        };
        let exposed = secret.expose();
        webhook.id = dossier_store::webhooks::insert(tx.conn(), &webhook, &exposed).await?;
        tx.commit().await?;
        Ok(SavedWebhook {
            webhook,
            secret: Some(exposed),
        })
    }

    /// GET …/webhooks: the caller's subscriptions (every one of the customer for an
    /// administrator), in id order after `after`.
    pub async fn webhooks(
        &self,
        caller: &Caller,
        customer: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Webhook>> {
        if customer != caller.customer_id {
            return Err(DomainError::not_found(format!("customer {customer}")));
        }
        let owner = (!caller.is_admin).then_some(caller.user_id.as_str());
        let mut conn = self.store.read().await?;
        dossier_store::webhooks::list(&mut conn, customer, owner, after, limit).await
    }

    /// GET …/webhooks/{id}.
    pub async fn webhook(&self, caller: &Caller, customer: i64, id: i64) -> Result<Webhook> {
        self.own_webhook(caller, customer, id).await
    }

    /// PATCH …/webhooks/{id}. Switching a subscription back on resumes after the events it
    /// already handled; what happened while it was off follows (use a replay to skip or
    /// resend).
    pub async fn update_webhook(
        &self,
        caller: &Caller,
        customer: i64,
        id: i64,
        changes: WebhookChanges,
    ) -> Result<SavedWebhook> {
        let mut w = self.own_webhook(caller, customer, id).await?;
        if let Some(url) = &changes.url {
            w.url = self.sender.target(url)?.as_str().to_string();
        }
        if let Some(events) = changes.events {
            w.events = events;
        }
        if let Some(filters) = changes.filters {
            self.check_webhook_filters(caller, &filters).await?;
            w.filters = filters;
        }
        if let Some(description) = changes.description {
            check_len("description", &description, MAX_DESCRIPTION)?;
            w.description = description;
        }
        if let Some(active) = changes.active {
            w.active = active;
        }
        let secret = changes
            .secret
            .map(|given| Self::webhook_secret(given.as_deref()))
            .transpose()?;
        w.updated_at = self.now();
        let mut tx = self.store.begin().await?;
        dossier_store::webhooks::update(tx.conn(), &w).await?;
        let exposed = secret.map(|s| s.expose());
        if let Some(s) = &exposed {
            dossier_store::webhooks::set_secret(tx.conn(), w.id, s).await?;
        }
        tx.commit().await?;
        Ok(SavedWebhook {
            webhook: w,
            secret: exposed,
        })
    }

    /// DELETE …/webhooks/{id}: the subscription and its delivery log go.
    pub async fn delete_webhook(&self, caller: &Caller, customer: i64, id: i64) -> Result<()> {
        let w = self.own_webhook(caller, customer, id).await?;
        let mut tx = self.store.begin().await?;
        dossier_store::webhooks::delete(tx.conn(), w.id).await?;
        tx.commit().await
    }

    /// GET …/webhooks/{id}/deliveries (and …/dead-letters with `dead_only`): the delivery
    /// log, newest first, before log id `before` (0: from the newest).
    pub async fn webhook_deliveries(
        &self,
        caller: &Caller,
        customer: i64,
        id: i64,
        before: i64,
        dead_only: bool,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>> {
        let w = self.own_webhook(caller, customer, id).await?;
        let mut conn = self.store.read().await?;
        dossier_store::webhooks::deliveries(&mut conn, w.id, before, dead_only, limit).await
    }

    /// POST …/webhooks/{id}/replay: the cursor goes back (or forward) to the first event
    /// committed at or after `since`; those events are delivered again, in order, with
    /// their own ids (receivers that keep ids drop what they already had). A retry pending
    /// is cancelled.
    pub async fn replay_webhook(
        &self,
        caller: &Caller,
        customer: i64,
        id: i64,
        since: DateTime<Utc>,
    ) -> Result<Webhook> {
        let w = self.own_webhook(caller, customer, id).await?;
        let mut tx = self.store.begin().await?;
        let cursor = dossier_store::webhooks::seq_before(tx.conn(), since).await?;
        dossier_store::webhooks::rewind(tx.conn(), w.id, cursor).await?;
        tx.commit().await?;
        let mut conn = self.store.read().await?;
        dossier_store::webhooks::get(&mut conn, w.id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("webhook {id}")))
    }

    /// Forgets delivery-log lines older than `LOG_KEPT_DAYS` (run on a schedule by the
    /// server), except dead letters. Returns how many went.
    pub async fn purge_old_webhook_deliveries(&self) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let n = dossier_store::webhooks::forget_deliveries(
            tx.conn(),
            self.now() - chrono::Duration::days(LOG_KEPT_DAYS),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}
