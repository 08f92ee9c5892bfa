-- Invitations to set a first password: a user created by an administrator without a
-- password (the Power Automate admin connector's "Send an email") gets a one-time link by
-- e-mail. Only the SHA-256 of the link's random token is kept, with its expiry; using the
-- link deletes the row, so it works once.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX invitations_user ON invitations (user_id);
