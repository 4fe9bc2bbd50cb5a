-- Answer evaluations sent with "async":true run as jobs that any instance may claim (FOR UPDATE SKIP LOCKED), like
-- evaluation_jobs: the claim token fences every write, the heartbeat (beaten on a timer) lets another instance take
-- over a dead one's job, and finished configurations' results are kept, so a job taken over goes on from the next.
CREATE TABLE answer_evaluation_jobs (
    id            uuid        PRIMARY KEY,
    collection_id bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    key_id        text,
    request       jsonb       NOT NULL,
    status        text        NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    answers_total integer     NOT NULL,
    answers_done  integer     NOT NULL DEFAULT 0,
    results       jsonb       NOT NULL DEFAULT '[]',
    error         text,
    claim         uuid,
    heartbeat_at  timestamptz,
    attempts      integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz
);

CREATE INDEX answer_evaluation_jobs_pending ON answer_evaluation_jobs (created_at)
    WHERE status IN ('QUEUED', 'RUNNING');
