-- Evaluations too large to answer synchronously run as jobs that any instance may claim (FOR UPDATE SKIP LOCKED);
-- the claim token fences every write, the heartbeat lets another instance take over a dead one's job, and the
-- finished configurations' rows are kept, so a job taken over goes on from the next configuration.
CREATE TABLE evaluation_jobs (
    id             uuid        PRIMARY KEY,
    collection_id  bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    key_id         text,
    request        jsonb       NOT NULL,
    status         text        NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    searches_total integer     NOT NULL,
    searches_done  integer     NOT NULL DEFAULT 0,
    rows           jsonb       NOT NULL DEFAULT '[]',
    error          text,
    claim          uuid,
    heartbeat_at   timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    started_at     timestamptz,
    finished_at    timestamptz
);

CREATE INDEX evaluation_jobs_pending ON evaluation_jobs (created_at) WHERE status IN ('QUEUED', 'RUNNING');
