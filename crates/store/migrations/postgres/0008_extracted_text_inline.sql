-- The extracted text lives in its cache row rather than as a blob of the content store.
-- A blob cost a second fsync'd file per upload (the content's own is the first), which
-- halved the 10 KB ingest rate once the indexer ran beside the uploads; a row is written in
-- the indexer's one transaction per round. Rows written before this keep `text_hash` and
-- are still read from the content store.
ALTER TABLE extracted_text ADD COLUMN text TEXT;
