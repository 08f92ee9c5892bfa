-- Idempotency keys of creating calls: per caller, the first request's fingerprint (a hash of
-- method, path and body) and its successful answer, replayed to retries with the same key.
-- While the first request runs the row is a reservation (no status yet), so a concurrent
-- retry cannot create a second object. Rows older than a day are purged.
CREATE TABLE idempotency_keys (
    customer_id BIGINT NOT NULL,
    caller TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT,
    status BIGINT,
    headers TEXT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, caller, idem_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
