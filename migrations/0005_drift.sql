-- Drift between the desired grants (Postgres) and what Lake Formation holds.

-- When a drift check last confirmed (or questioned) each live subscription's grants.
ALTER TABLE subscriptions ADD COLUMN verified_at timestamptz;

-- One row per drift check: when it ran, why, and what it found.
CREATE TABLE drift_checks (
    id              uuid PRIMARY KEY,
    -- `api` (GET /drift), `reconcile` (POST /reconcile) or `schedule` (the periodic reconcile).
    trigger         text NOT NULL CHECK (trigger IN ('api', 'reconcile', 'schedule')),
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    desired_grants  integer NOT NULL CHECK (desired_grants >= 0),
    listed_permissions integer NOT NULL CHECK (listed_permissions >= 0),
    missing         integer NOT NULL CHECK (missing >= 0),
    unexpected      integer NOT NULL CHECK (unexpected >= 0),
    orphaned        integer NOT NULL CHECK (orphaned >= 0),
    -- Products whose producer catalog could not be read, so orphans could not be ruled out.
    unverified      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(unverified) = 'array'),
    checked_by      text NOT NULL,
    CHECK (finished_at >= started_at)
);
CREATE INDEX drift_checks_trigger_idx ON drift_checks (trigger, finished_at DESC);

-- What the last check found and is not repaired yet. A finding disappears when a later check no
-- longer sees it (or a repair succeeds); `first_seen_at` tells how long it has been open.
CREATE TABLE drift_findings (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('missing', 'unexpected', 'orphaned')),
    -- Identity across checks: the grant for `missing`/`orphaned`, principal and resource for
    -- `unexpected`.
    finding_key     text NOT NULL UNIQUE,
    -- The subscription it concerns; for `unexpected`, the last one that held the resource (null
    -- when no subscription ever did: granted by hand).
    subscription_id uuid REFERENCES subscriptions (id) ON DELETE CASCADE,
    grant_id        uuid REFERENCES grants (id) ON DELETE CASCADE,
    principal       text NOT NULL,
    resource_key    text NOT NULL,
    resource        jsonb NOT NULL CHECK (jsonb_typeof(resource) = 'object'),
    permissions     text[] NOT NULL CHECK (cardinality(permissions) >= 1),
    detail          text NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    CHECK (kind = 'unexpected' OR grant_id IS NOT NULL)
);
CREATE INDEX drift_findings_subscription_idx ON drift_findings (subscription_id) WHERE subscription_id IS NOT NULL;
CREATE INDEX drift_findings_grant_idx ON drift_findings (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX drift_findings_kind_idx ON drift_findings (kind, id);
