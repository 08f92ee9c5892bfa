-- Webhook subscriptions and their delivery log (docs/webhooks.md).
--
-- A subscription follows the outbox with its own cursor: `last_seq` (its cursor) is the last event it is
-- done with (delivered, skipped or dead-lettered). While the event after it fails,
-- `attempts`, `first_failure` and `next_attempt` say how far its retries went and when
-- the next is due; the subscription waits meanwhile, so its events stay in outbox order.
-- `lease_owner`/`lease_until` let one node at a time deliver a subscription's events:
-- a node claims a row with a conditional UPDATE and advances the cursor only while it
-- holds the claim, so several nodes on one database never send an event twice.
-- The owner is a user (the one whose access trims the events at delivery time) and, when
-- the subscription was made with an OAuth app's token, that app.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id BIGINT NOT NULL,
    owner_user TEXT NOT NULL,
    owner_app TEXT,
    owner_scope TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    event_types TEXT NOT NULL,
    library TEXT,
    workspace BIGINT,
    class TEXT,
    description TEXT NOT NULL,
    active BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    first_failure BIGINT,
    next_attempt BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_by_owner ON webhooks (owner_user, id);

-- One row per attempt and per dead letter: what the subscriber's endpoint answered.
-- `outcome` is delivered, failed (to be retried) or dead (given up; the cursor moved on).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL,
    status BIGINT,
    latency_ms BIGINT NOT NULL,
    error TEXT,
    outcome TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
-- Replay from a point in time looks up the first event at or after it.
CREATE INDEX events_by_date ON events (event_date);
