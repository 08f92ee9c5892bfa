-- Ethical walls (information barriers): a wall names a client (custom1), a matter
-- (custom1 + custom2) or a workspace, and either admits only its members (inclusive) or
-- shuts its members out (exclusive). Walls sit above ACLs; see core::walls.
CREATE TABLE walls (
    id BIGSERIAL PRIMARY KEY,
    library TEXT NOT NULL REFERENCES libraries(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    client TEXT,
    matter TEXT,
    workspace BIGINT,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT NOT NULL
);
CREATE INDEX walls_by_library ON walls (library);

CREATE TABLE wall_members (
    wall BIGINT NOT NULL REFERENCES walls(id),
    member_type TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (wall, member_type, member_id)
);
