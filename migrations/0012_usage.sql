-- Who really uses what: Lake Formation's GetDataAccess events (credentials vended to an engine
-- for a principal and a table), attributed to the live subscriptions whose grants covered the
-- table. One row per event and subscription: an event EventBridge delivers twice is stored once.
-- Kept for the 30-day count; older rows are pruned, the summary below keeps the rest.
CREATE TABLE subscription_uses (
    subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    -- CloudTrail's eventID of the GetDataAccess record.
    event_id        text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 128),
    at              timestamptz NOT NULL,
    engine          text NOT NULL CHECK (length(engine) BETWEEN 1 AND 64),
    -- The principal the credentials were vended for, and the table (database/table of the
    -- holder's catalog).
    principal       text NOT NULL,
    table_name      text NOT NULL,
    PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX subscription_uses_at_idx ON subscription_uses (subscription_id, at);
CREATE INDEX subscription_uses_prune_idx ON subscription_uses (at);

-- Per subscription: the latest use ever seen (events arrive out of order: the greatest wins) and
-- every engine seen.
CREATE TABLE subscription_usage (
    subscription_id uuid PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
    last_used_at    timestamptz NOT NULL,
    engines         text[] NOT NULL DEFAULT '{}'
);
