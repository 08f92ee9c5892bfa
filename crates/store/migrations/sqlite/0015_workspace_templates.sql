-- Workspace templates. A template is a workspace kept in the library like any other, with
-- its tree of tabs, folders and search folders; `is_template` marks the template and every
-- container under it, so lists and searches of real matters leave the whole tree out with one
-- predicate. `required` marks the folders a workspace made "with only required folders" gets.
ALTER TABLE containers ADD COLUMN is_template BIGINT NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN required BIGINT NOT NULL DEFAULT 0;

-- Per library: which profile field names a matter's type, the template each type opens with,
-- the template for a type nobody mapped, and whether client + matter must be unique among
-- workspaces.
CREATE TABLE workspace_settings (
    library TEXT PRIMARY KEY REFERENCES libraries(id),
    matter_type_field BIGINT,
    default_template BIGINT,
    unique_matters BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE matter_type_templates (
    library TEXT NOT NULL REFERENCES libraries(id),
    -- The matter type as the mapped field holds it, upper-cased (lookup values compare so).
    matter_type TEXT NOT NULL,
    template BIGINT NOT NULL,
    PRIMARY KEY (library, matter_type)
);
