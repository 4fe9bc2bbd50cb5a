-- Metadata was copied into every chunk row: 256 KB of metadata on one document became 52 MB on disk. It now lives
-- once, on the document; metadata filters select the matching documents' chunks.
ALTER TABLE chunks DROP COLUMN metadata;
CREATE INDEX documents_metadata_idx ON documents USING gin (metadata jsonb_path_ops);
