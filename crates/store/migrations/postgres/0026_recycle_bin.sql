-- The recycle bin, legal holds and the blob garbage collector (docs/compatibility.md,
-- "Recycle bin").
--
-- A deleted document keeps its rows (every version, its pairs, trustees, metadata values
-- and history) but has no latest version: `is_latest` is 0 on every version, so every list,
-- count and search (all of which read latest versions) and the index pass it over with no
-- extra condition. Its `recycle_bin` row says who deleted it, when, which version was the
-- latest, and when it is purged; its filings wait in `recycled_filings` until a restore puts
-- them back (folder lists and counts read `filings`).
CREATE TABLE recycle_bin (
    library TEXT NOT NULL,
    document BIGINT NOT NULL,
    latest_version BIGINT NOT NULL,
    deleted_by TEXT NOT NULL,
    deleted_at BIGINT NOT NULL,
    purge_after BIGINT NOT NULL,
    PRIMARY KEY (library, document)
);
CREATE INDEX recycle_bin_by_purge ON recycle_bin (purge_after);

CREATE TABLE recycled_filings (
    library TEXT NOT NULL,
    folder BIGINT NOT NULL,
    document BIGINT NOT NULL,
    is_reference INTEGER NOT NULL,
    filed_at BIGINT NOT NULL,
    PRIMARY KEY (library, folder, document)
);
CREATE INDEX recycled_filings_by_document ON recycled_filings (library, document);

-- Legal holds on a document or a workspace (object_kind 'document' or 'workspace'): while
-- one stands, what it covers is neither deleted nor purged.
CREATE TABLE legal_holds (
    library TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_number BIGINT NOT NULL,
    reason TEXT NOT NULL,
    held_by TEXT NOT NULL,
    held_at BIGINT NOT NULL,
    PRIMARY KEY (library, object_kind, object_number)
);

-- The garbage collector's marks on the blob registry. `doomed_at`: no document version
-- referenced the blob when the collector last looked; an upload that references it again
-- clears the mark. `collected_at`: its bytes were removed (the row stays, so an upload of
-- the same content knows it must make sure the bytes are there again).
ALTER TABLE blobs ADD COLUMN doomed_at BIGINT;
ALTER TABLE blobs ADD COLUMN collected_at BIGINT;
CREATE INDEX blobs_doomed ON blobs (doomed_at);
