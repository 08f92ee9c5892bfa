-- Security: every container and document row names the object whose security governs it
-- (core::access::AclKey, encoded: container n = 2n, document n = 2n + 1). An object with its
-- own default security governs itself; an inheriting one takes its parent's key, resolved
-- along the chain when it is created, moved or re-secured. Rows of inheriting objects
-- that existed before this migration start at -1 and are resolved at the next start.
ALTER TABLE containers ADD COLUMN acl BIGINT NOT NULL DEFAULT -1;
ALTER TABLE documents ADD COLUMN acl BIGINT NOT NULL DEFAULT -1;
UPDATE containers SET acl = number * 2 WHERE default_security <> 'inherit';
UPDATE documents SET acl = number * 2 + 1 WHERE default_security <> 'inherit';
CREATE INDEX containers_by_acl ON containers (library, acl);
-- Each document's home workspace (what workspace walls look at), set by its home filing.
ALTER TABLE documents ADD COLUMN workspace BIGINT NOT NULL DEFAULT -1;
UPDATE documents SET workspace = (SELECT c.workspace FROM filings f JOIN containers c ON c.library = f.library AND c.number = f.folder WHERE f.library = documents.library AND f.document = documents.number AND f.is_reference = 0) WHERE EXISTS (SELECT 1 FROM filings f WHERE f.library = documents.library AND f.document = documents.number AND f.is_reference = 0);
-- Covering what a trimmed count or page of numbers reads, so it never touches the table.
CREATE INDEX documents_by_acl ON documents (library, acl, is_latest, workspace, c1, c2, number);
CREATE INDEX trustees_by_principal ON trustees (library, trustee_type, trustee_id);
CREATE INDEX events_by_item_type ON events (item_type, seq);
-- Readable-set filters are (acl IN (…) OR author = me): an index on each side lets the
-- planner union two index ranges instead of scanning every latest version.
CREATE INDEX documents_by_author ON documents (library, author, is_latest);
CREATE INDEX containers_by_owner ON containers (library, owner);
