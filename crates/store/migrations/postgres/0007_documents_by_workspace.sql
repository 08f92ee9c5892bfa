-- The indexer compares a workspace's documents with what the index holds after a container's
-- security changes or a folder moves (`search::drifted`): this finds them without a scan.
CREATE INDEX documents_by_workspace ON documents (library, workspace, is_latest);
