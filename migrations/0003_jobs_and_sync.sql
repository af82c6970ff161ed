-- Durable work (the outbox) and the state of catalog sync.

-- A job is written in the same transaction as the decision that needs it, so a crash can neither
-- lose it nor run it twice by accident: workers claim jobs with FOR UPDATE SKIP LOCKED and hold a
-- lease; a job whose lease ran out (its worker died) is claimed again.
CREATE TABLE jobs (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
    payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The domain the job concerns, for authorization of GET /jobs/{id}.
    domain_id     uuid REFERENCES domains (id) ON DELETE CASCADE,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts  integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_after     timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz,
    last_error    text,
    result        jsonb,
    -- At most one queued or running job per key: a second request for the same work joins the first.
    dedupe_key    text,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE UNIQUE INDEX jobs_dedupe_live_idx ON jobs (dedupe_key) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_queued_idx ON jobs (run_after) WHERE status = 'queued';
CREATE INDEX jobs_running_idx ON jobs (locked_until) WHERE status = 'running';

ALTER TABLE domains
    ADD COLUMN sync_status text NOT NULL DEFAULT 'never'
        CHECK (sync_status IN ('never', 'ok', 'failed')),
    ADD COLUMN last_sync_at timestamptz,
    ADD COLUMN last_sync_success_at timestamptz,
    ADD COLUMN last_sync_error text;

ALTER TABLE products
    ADD COLUMN sync_status text NOT NULL DEFAULT 'never'
        CHECK (sync_status IN ('never', 'ok', 'failed')),
    ADD COLUMN last_sync_at timestamptz,
    ADD COLUMN last_sync_error text,
    -- Declared tables the producer's catalog does not have (reported, never silently ignored).
    ADD COLUMN missing_tables text[] NOT NULL DEFAULT '{}',
    -- When the last breaking schema change was detected; consumers see it on the product.
    ADD COLUMN last_breaking_change_at timestamptz;
