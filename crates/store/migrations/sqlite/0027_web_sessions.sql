-- The web client's sessions. A browser signs in through the authorization endpoint as the
-- built-in app `dossier-web`; the code it brings back opens a session whose random token is
-- the browser's cookie. Only the token's SHA-256 is kept, with the token family the code
-- exchange issued (revoked with the session), when it was opened (the absolute timeout) and
-- when it was last used (the idle timeout, written at most once a minute).
CREATE TABLE web_sessions (
    session_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    family TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
