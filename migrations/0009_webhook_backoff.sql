-- A receiver that keeps failing backs off as a whole: after a failed attempt none of its
-- deliveries is tried before retry_after (their jobs wait, without spending attempts), so one
-- dead receiver costs one attempt per backoff window, not one per queued event.
ALTER TABLE webhooks
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN retry_after timestamptz;

-- Deferring a receiver's queued deliveries finds them by webhook.
CREATE INDEX jobs_queued_deliveries ON jobs ((payload ->> 'webhook_id'))
    WHERE kind = 'deliver_webhook' AND status = 'queued';
