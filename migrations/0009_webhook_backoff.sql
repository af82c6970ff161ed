-- A webhook whose receiver keeps failing backs off as a whole: after a failed attempt none of its
-- deliveries is tried before retry_after (their jobs wait, without spending attempts), so one
-- dead receiver costs one attempt per backoff window, not one per queued event.
ALTER TABLE webhooks
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN retry_after timestamptz;

-- Deferring a receiver's queued deliveries finds them by webhook.
CREATE INDEX jobs_queued_deliveries ON jobs ((payload ->> 'webhook_id'))
    WHERE kind = 'deliver_webhook' AND status = 'queued';

-- At most one running job per concurrency key (one delivery in flight per webhook): a queued job
-- whose key another running job holds is not claimed, so waiting costs no worker and no query.
-- The unique index is what guarantees it; the claim's own checks only keep claims from colliding.
ALTER TABLE jobs ADD COLUMN concurrency_key text;
CREATE UNIQUE INDEX jobs_one_running_per_concurrency_key ON jobs (concurrency_key)
    WHERE status = 'running' AND concurrency_key IS NOT NULL;
