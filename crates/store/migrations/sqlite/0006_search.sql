-- Text extracted from content for the search index, cached by the content's hash: a file is
-- extracted once, whatever number of documents and versions share its bytes, and
-- `dossier reindex` rebuilds the index from this cache without extracting again.
-- `outcome` is indexed | metadata_only | failed, with the reason for the last two; the text
-- itself is a blob in the content store (`text_hash`), as the search index is derived data.
CREATE TABLE extracted_text (
    content_hash TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    reason TEXT,
    format TEXT NOT NULL,
    text_hash TEXT,
    text_bytes BIGINT NOT NULL,
    truncated INTEGER NOT NULL,
    email TEXT,
    extracted_at BIGINT NOT NULL
);

-- What the search index holds for each document (its latest version), written after the
-- index commit that made it searchable. `acl` and `workspace` are the values indexed: a
-- security change or move that alters them shows as a difference with `documents`.
CREATE TABLE search_status (
    library TEXT NOT NULL,
    number BIGINT NOT NULL,
    version BIGINT NOT NULL,
    acl BIGINT NOT NULL,
    workspace BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    seq BIGINT NOT NULL,
    indexed_at BIGINT NOT NULL,
    PRIMARY KEY (library, number)
);
