-- The matter lifecycle (closing and re-opening workspaces) and each user's My Matters and
-- My Favorites.

-- How a library closes its matters; a library without a row uses the defaults.
CREATE TABLE closing_settings (
    library TEXT PRIMARY KEY REFERENCES libraries(id),
    closed_prefix TEXT NOT NULL,
    status_field INTEGER,
    status_closed TEXT,
    status_open TEXT,
    read_only INTEGER NOT NULL DEFAULT 0
);

-- A workspace that is closed, with what re-opening it gives back. Read-only ones are read
-- into every access context of the library.
CREATE TABLE closed_matters (
    library TEXT NOT NULL,
    workspace BIGINT NOT NULL,
    original_name TEXT NOT NULL,
    read_only INTEGER NOT NULL,
    closed_at BIGINT NOT NULL,
    closed_by TEXT NOT NULL,
    PRIMARY KEY (library, workspace)
);
CREATE INDEX closed_matters_read_only ON closed_matters (library, read_only);

-- A workspace's history: each close and re-open.
CREATE TABLE matter_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    library TEXT NOT NULL,
    workspace BIGINT NOT NULL,
    activity TEXT NOT NULL,
    activity_date BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    name_before TEXT NOT NULL,
    name_after TEXT NOT NULL,
    read_only INTEGER NOT NULL,
    comments TEXT NOT NULL DEFAULT ''
);
CREATE INDEX matter_history_by_workspace ON matter_history (library, workspace, id);

-- My Matters, My Favorites and the categories inside My Matters, one set per user and
-- library; numbers come from the library's container numbering.
CREATE TABLE categories (
    library TEXT NOT NULL,
    number BIGINT NOT NULL,
    kind TEXT NOT NULL,
    parent BIGINT,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (library, number)
);
CREATE INDEX categories_by_owner ON categories (library, owner, kind);

-- Shortcuts in a category to a workspace, folder or document; one per target and category.
CREATE TABLE shortcuts (
    library TEXT NOT NULL,
    number BIGINT NOT NULL,
    category BIGINT NOT NULL,
    owner TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (library, number)
);
CREATE UNIQUE INDEX shortcuts_once ON shortcuts (library, category, target_kind, target);
CREATE INDEX shortcuts_by_target ON shortcuts (library, target_kind, target);
