-- Consumer access: what a subscription needs in the consumer's account before its principal can
-- query (Lake Formation developer guide: a grant to another account arrives as an AWS RAM share,
-- an invitation outside one organization; Athena and others query shared tables through resource
-- links in the consumer's own catalog, with DESCRIBE on the link).

-- A role in the consumer domain's account that meshgov assumes (external id) to accept the
-- invitations, create the resource links and grant DESCRIBE on them.
ALTER TABLE domains
    ADD COLUMN link_role_arn text CHECK (
        link_role_arn ~ '^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$'
        AND length(link_role_arn) <= 600
        AND split_part(link_role_arn, ':', 5) = aws_account_id);

-- One row per approved subscription: the link that serves it and how far its setup got.
--   pending  → ready | manual | failed       (to be set up; manual: no link role, steps left to the consumer)
--   removing → removed | remove_failed       (the subscription ended)
CREATE TABLE consumer_access (
    subscription_id   uuid PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
    consumer_account  text NOT NULL CHECK (consumer_account ~ '^[0-9]{12}$'),
    -- The database resource link in the consumer's catalog (the target itself when the consumer
    -- is the account that holds the grants).
    link_database     text NOT NULL CHECK (length(link_database) BETWEEN 1 AND 255),
    -- What the link points at: where the grants live.
    target_catalog_id text NOT NULL CHECK (target_catalog_id ~ '^[0-9]{12}$'),
    target_database   text NOT NULL CHECK (length(target_database) BETWEEN 1 AND 255),
    -- The tables granted, for the subscription's "how to query".
    tables            text[] NOT NULL DEFAULT '{}',
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'ready', 'manual', 'failed', 'removing', 'removed', 'remove_failed')),
    -- Each step and where it stands: [{"step", "status": done | not_needed | failed | left, "detail", "error"?}].
    steps             jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
    last_error        text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- Links are shared by the subscriptions of one consumer account to one product.
CREATE INDEX consumer_access_link_idx ON consumer_access (consumer_account, link_database);

-- Drift covers the consumer side: a resource link or DESCRIBE on it gone is a `missing` finding of
-- its subscription, with no grant row of its own.
ALTER TABLE drift_findings
    DROP CONSTRAINT drift_findings_check,
    ADD CONSTRAINT drift_findings_subject_check CHECK (kind = 'unexpected' OR grant_id IS NOT NULL OR subscription_id IS NOT NULL);

-- Subscriptions approved before this migration: their consumers set up access themselves.
INSERT INTO consumer_access (subscription_id, consumer_account, link_database, target_catalog_id, target_database, tables, state)
SELECT s.id, c.aws_account_id,
       replace(d.slug, '-', '_') || '__' || replace(p.slug, '-', '_'),
       g.catalog_id,
       coalesce(g.resource #>> '{Table,DatabaseName}', g.resource #>> '{TableWithColumns,DatabaseName}',
                g.resource #>> '{DataCellsFilter,DatabaseName}', g.resource #>> '{Database,Name}', p.source_database),
       (SELECT coalesce(array_agg(DISTINCT n ORDER BY n), '{}') FROM grants x,
               coalesce(x.resource #>> '{Table,Name}', x.resource #>> '{TableWithColumns,Name}',
                        x.resource #>> '{DataCellsFilter,TableName}') n
        WHERE x.subscription_id = s.id AND n IS NOT NULL),
       CASE WHEN s.status = 'approved' THEN 'manual' ELSE 'removed' END
FROM subscriptions s
JOIN products p ON p.id = s.product_id
JOIN domains d ON d.id = p.domain_id
JOIN domains c ON c.id = s.consumer_domain_id
JOIN LATERAL (SELECT catalog_id, resource FROM grants WHERE subscription_id = s.id ORDER BY id LIMIT 1) g ON true
WHERE s.status IN ('approved', 'revoked', 'expired');
