-- Identity: the full user and group records, library membership with roles, OAuth apps,
-- authorization codes, token signing keys and the audit log. Same tables and columns on
-- SQLite and PostgreSQL; only the sequence column and the random ids differ.

-- A user belongs to one customer; the login id (users.id, upper-case) is unique across
-- customers, as iManage's global user ids are.
ALTER TABLE users ADD COLUMN first_name TEXT;
ALTER TABLE users ADD COLUMN last_name TEXT;
-- 2 = virtual (Dossier's own password), 6 = enterprise (synced from a directory).
ALTER TABLE users ADD COLUMN user_nos BIGINT NOT NULL DEFAULT 2;
ALTER TABLE users ADD COLUMN is_external BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN is_locked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pwd_never_expire BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN force_password_change BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pwd_changed_at BIGINT;
ALTER TABLE users ADD COLUMN department TEXT;
ALTER TABLE users ADD COLUMN title TEXT;
ALTER TABLE users ADD COLUMN phone TEXT;
-- The directory's id for this person (SCIM externalId).
ALTER TABLE users ADD COLUMN user_id_ex TEXT;
-- A stable opaque id (SCIM id); never reused.
ALTER TABLE users ADD COLUMN ssid TEXT;
-- Deactivated users (active = 0) keep their documents and history but cannot sign in.
ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
-- Bumped by every change; the SCIM ETag.
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
UPDATE users SET ssid = md5(random()::text || id) WHERE ssid IS NULL;
CREATE UNIQUE INDEX users_by_ssid ON users (ssid);
CREATE INDEX users_by_email ON users (customer_id, email);

ALTER TABLE user_groups ADD COLUMN enabled BIGINT NOT NULL DEFAULT 1;
ALTER TABLE user_groups ADD COLUMN is_external BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_groups ADD COLUMN group_nos BIGINT NOT NULL DEFAULT 2;
ALTER TABLE user_groups ADD COLUMN group_id_ex TEXT;
ALTER TABLE user_groups ADD COLUMN ssid TEXT;
ALTER TABLE user_groups ADD COLUMN edited_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_groups ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
UPDATE user_groups SET ssid = md5(random()::text || id), edited_at = created_at WHERE ssid IS NULL;
CREATE UNIQUE INDEX groups_by_ssid ON user_groups (ssid);
CREATE INDEX group_members_by_user ON group_members (user_id);

-- Library roles: a named set of rights (core::identity::Right), stored as a JSON array.
CREATE TABLE roles (
    library TEXT NOT NULL REFERENCES libraries(id),
    id TEXT NOT NULL,
    description TEXT NOT NULL,
    rights TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT NOT NULL,
    PRIMARY KEY (library, id)
);

-- A user's membership of a library: the per-library user number (the reference's
-- per-database user id) and the role.
ALTER TABLE libraries ADD COLUMN next_user BIGINT NOT NULL DEFAULT 1;
CREATE TABLE library_users (
    library TEXT NOT NULL REFERENCES libraries(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    user_num BIGINT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (library, user_id),
    UNIQUE (library, user_num)
);
CREATE INDEX library_users_by_user ON library_users (user_id);

-- OAuth clients (the Control Center's Applications). secret_hash is NULL for a public
-- client, which must use PKCE. JSON arrays: redirect_uris, grants, scopes.
CREATE TABLE apps (
    client_id TEXT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    secret_hash TEXT,
    redirect_uris TEXT NOT NULL,
    grants TEXT NOT NULL,
    scopes TEXT NOT NULL,
    -- The user a client_credentials token acts as.
    service_account TEXT REFERENCES users(id),
    -- First-party apps skip the consent page.
    first_party BIGINT NOT NULL DEFAULT 0,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    edited_at BIGINT NOT NULL
);

-- What a user has allowed a third-party app to do on their behalf.
CREATE TABLE consents (
    user_id TEXT NOT NULL REFERENCES users(id),
    client_id TEXT NOT NULL REFERENCES apps(client_id),
    scope TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- Authorization codes, stored hashed, used once.
CREATE TABLE auth_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES apps(client_id),
    user_id TEXT NOT NULL REFERENCES users(id),
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    code_challenge TEXT,
    nonce TEXT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Which app a token was issued to (NULL: a first-party password grant without client_id).
ALTER TABLE tokens ADD COLUMN client_id TEXT;
CREATE INDEX tokens_by_user ON tokens (user_id);

-- Keys that sign ID tokens; retired keys stay published in the JWKS until they expire.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

-- Security-relevant events: sign-ins and their failures, tokens issued and revoked, user,
-- group, role and app changes. detail is a JSON object (before/after where it applies).
CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    address TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_by_target ON audit_log (target, seq);
