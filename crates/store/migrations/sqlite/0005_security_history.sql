-- The security history behind point-in-time access reports: after every change to a
-- workspace's security or profile, a group, a user or their libraries, or a wall, the new
-- state of what changed (JSON; NULL once deleted). Appended, never updated.
CREATE TABLE security_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id BIGINT NOT NULL,
    library TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    state TEXT
);
CREATE INDEX security_history_by_object ON security_history (customer_id, kind, library, object_id, at);
