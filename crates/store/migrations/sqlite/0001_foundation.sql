-- Dossier foundation schema. migrations/sqlite and migrations/postgres hold the same
-- tables and columns; only types that the two engines spell differently differ.
-- Times are epoch microseconds (BIGINT), booleans INTEGER 0/1, JSON TEXT: the types that
-- sqlx's Any driver carries on both engines.

CREATE TABLE customers (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE libraries (
    id TEXT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    description TEXT NOT NULL,
    is_hidden INTEGER NOT NULL DEFAULT 0,
    next_document BIGINT NOT NULL DEFAULT 1,
    next_container BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    full_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT,
    allow_logon INTEGER NOT NULL DEFAULT 1,
    preferred_library TEXT,
    created_at BIGINT NOT NULL,
    edited_at BIGINT NOT NULL
);

CREATE TABLE user_groups (
    id TEXT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    full_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES user_groups(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);

-- Access and refresh tokens, stored as SHA-256 of the token; the token itself is never kept.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    scope TEXT NOT NULL,
    family TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX tokens_by_family ON tokens (family);

-- Workspaces, tabs, folders and search folders: one numbering per library.
CREATE TABLE containers (
    library TEXT NOT NULL REFERENCES libraries(id),
    number BIGINT NOT NULL,
    kind TEXT NOT NULL,
    parent BIGINT,
    workspace BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL,
    author TEXT,
    class TEXT,
    subclass TEXT,
    default_security TEXT NOT NULL,
    email TEXT,
    view_type TEXT NOT NULL DEFAULT 'document',
    default_profile TEXT,
    search_profile TEXT,
    create_date BIGINT NOT NULL,
    edit_date BIGINT NOT NULL,
    c1 TEXT,
    c2 TEXT,
    c3 TEXT,
    c4 TEXT,
    c5 TEXT,
    c6 TEXT,
    c7 TEXT,
    c8 TEXT,
    c9 TEXT,
    c10 TEXT,
    c11 TEXT,
    c12 TEXT,
    c13 TEXT,
    c14 TEXT,
    c15 TEXT,
    c16 TEXT,
    c17 REAL,
    c18 REAL,
    c19 REAL,
    c20 REAL,
    c21 BIGINT,
    c22 BIGINT,
    c23 BIGINT,
    c24 BIGINT,
    c25 INTEGER,
    c26 INTEGER,
    c27 INTEGER,
    c28 INTEGER,
    c29 TEXT,
    c30 TEXT,
    PRIMARY KEY (library, number)
);
CREATE INDEX containers_by_parent ON containers (library, parent);
CREATE INDEX containers_by_kind_name ON containers (library, kind, name);

-- One row per document version; each version carries its own profile, as in iManage.
CREATE TABLE documents (
    library TEXT NOT NULL REFERENCES libraries(id),
    number BIGINT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    extension TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    class TEXT NOT NULL,
    subclass TEXT,
    author TEXT NOT NULL,
    operator TEXT NOT NULL,
    last_user TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    size BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    content_type TEXT NOT NULL,
    default_security TEXT NOT NULL,
    wstype TEXT NOT NULL,
    is_latest INTEGER NOT NULL,
    create_date BIGINT NOT NULL,
    edit_date BIGINT NOT NULL,
    edit_profile_date BIGINT NOT NULL,
    file_create_date BIGINT,
    file_edit_date BIGINT,
    email_from TEXT,
    email_to TEXT,
    email_cc TEXT,
    email_bcc TEXT,
    sent_date BIGINT,
    received_date BIGINT,
    conversation_id TEXT,
    c1 TEXT,
    c2 TEXT,
    c3 TEXT,
    c4 TEXT,
    c5 TEXT,
    c6 TEXT,
    c7 TEXT,
    c8 TEXT,
    c9 TEXT,
    c10 TEXT,
    c11 TEXT,
    c12 TEXT,
    c13 TEXT,
    c14 TEXT,
    c15 TEXT,
    c16 TEXT,
    c17 REAL,
    c18 REAL,
    c19 REAL,
    c20 REAL,
    c21 BIGINT,
    c22 BIGINT,
    c23 BIGINT,
    c24 BIGINT,
    c25 INTEGER,
    c26 INTEGER,
    c27 INTEGER,
    c28 INTEGER,
    c29 TEXT,
    c30 TEXT,
    PRIMARY KEY (library, number, version)
);
CREATE INDEX documents_by_hash ON documents (content_hash);
CREATE INDEX documents_by_name ON documents (library, name);
CREATE INDEX documents_latest ON documents (library, is_latest, number);

-- Where documents are filed: the home folder (is_reference = 0) and references in other
-- folders (is_reference = 1).
CREATE TABLE filings (
    library TEXT NOT NULL,
    folder BIGINT NOT NULL,
    document BIGINT NOT NULL,
    is_reference INTEGER NOT NULL,
    filed_at BIGINT NOT NULL,
    PRIMARY KEY (library, folder, document)
);
CREATE INDEX filings_by_document ON filings (library, document);

CREATE TABLE checkouts (
    library TEXT NOT NULL,
    document BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    comments TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    due_date BIGINT,
    checkout_date BIGINT NOT NULL,
    PRIMARY KEY (library, document)
);

CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    library TEXT NOT NULL,
    document BIGINT NOT NULL,
    version BIGINT NOT NULL,
    activity TEXT NOT NULL,
    activity_code BIGINT NOT NULL,
    activity_date BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    application_name TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    duration BIGINT NOT NULL DEFAULT 0,
    pages_printed BIGINT NOT NULL DEFAULT 0,
    data1 TEXT NOT NULL DEFAULT '',
    data2 TEXT NOT NULL DEFAULT '',
    num1 BIGINT NOT NULL DEFAULT 0,
    num2 BIGINT NOT NULL DEFAULT 0,
    num3 BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX history_by_document ON history (library, document, id);

CREATE TABLE name_value_pairs (
    library TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_number BIGINT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (library, object_kind, object_number, name)
);

-- Trustees granted at upload or folder creation; enforced by the security layer.
CREATE TABLE trustees (
    library TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_number BIGINT NOT NULL,
    trustee_type TEXT NOT NULL,
    trustee_id TEXT NOT NULL,
    access BIGINT NOT NULL,
    PRIMARY KEY (library, object_kind, object_number, trustee_type, trustee_id)
);

-- Lookup tables for custom1-12, 29, 30. parent_alias is '' for fields without a parent.
CREATE TABLE lookups (
    library TEXT NOT NULL,
    field INTEGER NOT NULL,
    parent_alias TEXT NOT NULL,
    alias TEXT NOT NULL,
    description TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (library, field, parent_alias, alias)
);

CREATE TABLE classes (
    library TEXT NOT NULL,
    alias TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (library, alias)
);

CREATE TABLE subclasses (
    library TEXT NOT NULL,
    class TEXT NOT NULL,
    alias TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (library, class, alias)
);

CREATE TABLE doc_types (
    library TEXT NOT NULL,
    alias TEXT NOT NULL,
    description TEXT NOT NULL,
    app_extension TEXT NOT NULL,
    PRIMARY KEY (library, alias)
);

-- Every stored content blob, by BLAKE3 hash. Written in the transaction that first
-- references the blob, after the blob itself is durable.
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The outbox: one event per mutation, written in the mutation's transaction.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    library TEXT NOT NULL,
    item_type TEXT NOT NULL,
    action TEXT NOT NULL,
    object_id TEXT NOT NULL,
    related_object_id TEXT,
    root_id TEXT,
    user_id TEXT NOT NULL,
    event_date BIGINT NOT NULL
);
CREATE INDEX events_by_library ON events (library, seq);
