-- Claims with a token and a heartbeat. A claim used to be taken over once claimed_at was older than stale-after
-- (10 minutes), even while its worker was alive and busy with a slow parse, and the final writes checked neither
-- status nor claim: two workers could finish one item, the loser rewriting a stored document as a duplicate with no
-- chunks. Now each claim carries a random token that every final write must match, a live worker refreshes
-- heartbeat_at every few seconds (so a dead instance's items are taken over within stale-after, 20 s by default),
-- and attempts counts claims so that an item that keeps killing its worker ends FAILED instead of looping forever.
ALTER TABLE ingestion_items
    ADD COLUMN claim_token  uuid,
    ADD COLUMN heartbeat_at timestamptz,
    ADD COLUMN attempts     int NOT NULL DEFAULT 0;

UPDATE ingestion_items SET heartbeat_at = claimed_at, attempts = 1 WHERE status = 'RUNNING';

-- the takeover check looks at running items only: a handful, whatever the backlog
CREATE INDEX ingestion_items_running_idx ON ingestion_items (heartbeat_at) WHERE status = 'RUNNING';

-- An upload identical to a document still being processed no longer stores and embeds its bytes again: it waits
-- without a payload and settles with the original.
CREATE INDEX ingestion_items_following_idx ON ingestion_items (collection_id, sha256)
    WHERE status = 'QUEUED' AND payload IS NULL;
