-- Access reviews and unused access, per domain (off by default): every live subscription to the
-- domain's products is confirmed by one of its approvers every `review_every_days`, or ends
-- `review_grace_days` after its review fell due; a subscription unused for `unused_after_days`
-- is flagged (`unused_action` 'flag') or revoked ('revoke').
ALTER TABLE domains
    ADD COLUMN review_every_days integer CHECK (review_every_days BETWEEN 1 AND 3650),
    ADD COLUMN review_grace_days integer NOT NULL DEFAULT 14 CHECK (review_grace_days BETWEEN 0 AND 365),
    ADD COLUMN unused_after_days integer CHECK (unused_after_days BETWEEN 1 AND 3650),
    ADD COLUMN unused_action text NOT NULL DEFAULT 'flag' CHECK (unused_action IN ('flag', 'revoke'));

-- The last confirmation of a subscription's access (its review period counts from its approval
-- before the first), and the last reminder sent for the current period.
ALTER TABLE subscriptions
    ADD COLUMN reviewed_at   timestamptz,
    ADD COLUMN reviewed_by   text,
    ADD COLUMN review_notice text CHECK (review_notice IN ('due', 'overdue'));
