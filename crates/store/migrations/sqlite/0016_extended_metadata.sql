-- Extended metadata: per library, a catalogue of typed properties, the taxonomy trees that
-- taxonomy properties take their values from, and the values on documents (per document
-- number, so every version shows them).
CREATE TABLE em_taxonomies (
    library TEXT NOT NULL REFERENCES libraries(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (library, id)
);

CREATE TABLE em_taxonomy_nodes (
    library TEXT NOT NULL,
    taxonomy TEXT NOT NULL,
    id TEXT NOT NULL,
    label TEXT NOT NULL,
    -- lower(label), what a label search matches against.
    label_key TEXT NOT NULL,
    parent TEXT,
    enabled BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (library, taxonomy, id)
);
CREATE INDEX em_taxonomy_nodes_by_parent ON em_taxonomy_nodes (library, taxonomy, parent);

CREATE TABLE em_properties (
    library TEXT NOT NULL REFERENCES libraries(id),
    id TEXT NOT NULL,
    caption TEXT NOT NULL,
    kind TEXT NOT NULL,
    multi BIGINT NOT NULL DEFAULT 0,
    required BIGINT NOT NULL DEFAULT 0,
    enabled BIGINT NOT NULL DEFAULT 1,
    taxonomy TEXT,
    PRIMARY KEY (library, id)
);

CREATE TABLE em_lookup_values (
    library TEXT NOT NULL,
    property TEXT NOT NULL,
    position BIGINT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (library, property, position)
);

CREATE TABLE document_metadata (
    library TEXT NOT NULL,
    document BIGINT NOT NULL,
    property TEXT NOT NULL,
    position BIGINT NOT NULL,
    value TEXT NOT NULL,
    -- lower(value): searches and repeats compare case-insensitively.
    match_key TEXT NOT NULL,
    PRIMARY KEY (library, document, property, position)
);
CREATE INDEX document_metadata_by_value ON document_metadata (library, property, match_key);
