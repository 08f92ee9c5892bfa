-- The HTTP request an audit record was written for (its X-Request-Id), so a record can be
-- matched with the access log and with what the client saw.
ALTER TABLE audit_log ADD COLUMN request_id TEXT;
