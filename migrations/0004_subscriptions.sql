-- Subscriptions (access requests and their decisions) and the Lake Formation grants they desire.

-- Public products may be approved by the system as soon as a request arrives.
ALTER TABLE products
    ADD COLUMN auto_approve boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT products_auto_approve_public CHECK (NOT auto_approve OR classification = 'public');

CREATE TABLE subscriptions (
    -- UUIDv7: keyset pagination on id lists in creation order.
    id                 uuid PRIMARY KEY,
    product_id         uuid NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    consumer_domain_id uuid NOT NULL REFERENCES domains (id) ON DELETE RESTRICT,
    -- An IAM role ARN or a 12-digit account id, in the consumer domain's account (checked by the service).
    principal          text NOT NULL CHECK (
                           principal ~ '^[0-9]{12}$'
                           OR (principal ~ '^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$'
                               AND length(principal) <= 600)),
    -- What was asked for: {"tables": null | [{"name", "columns"?, "row_filter"?}]}.
    requested_scope    jsonb NOT NULL CHECK (jsonb_typeof(requested_scope) = 'object'),
    -- What was granted (the requested scope, possibly narrowed by the approver); set on approval.
    approved_scope     jsonb CHECK (approved_scope IS NULL OR jsonb_typeof(approved_scope) = 'object'),
    -- SHA-256 of the canonical requested scope and permissions: an identical live request is not
    -- stored twice.
    scope_hash         text NOT NULL CHECK (scope_hash ~ '^[0-9a-f]{64}$'),
    permissions        text[] NOT NULL CHECK (permissions <@ ARRAY['SELECT', 'DESCRIBE'] AND cardinality(permissions) >= 1),
    justification      text NOT NULL CHECK (length(justification) BETWEEN 1 AND 4096),
    requested_expires_at timestamptz,
    expires_at         timestamptz,
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'revoked', 'expired')),
    provisioning       text NOT NULL DEFAULT 'none'
                       CHECK (provisioning IN ('none', 'granting', 'granted', 'grant_failed',
                                               'revoking', 'revoked', 'revoke_failed')),
    requested_by       text NOT NULL,
    decided_by         text,
    decided_at         timestamptz,
    decision_comment   text CHECK (decision_comment IS NULL OR length(decision_comment) <= 4096),
    ended_by           text,
    ended_at           timestamptz,
    end_comment        text CHECK (end_comment IS NULL OR length(end_comment) <= 4096),
    version            bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- Provisioning follows the decision: nothing is granted before approval.
    CHECK (status <> 'pending' OR provisioning = 'none'),
    CHECK (status NOT IN ('rejected', 'cancelled') OR provisioning = 'none'),
    CHECK (status <> 'approved' OR (approved_scope IS NOT NULL
                                    AND provisioning IN ('granting', 'granted', 'grant_failed'))),
    CHECK (status NOT IN ('revoked', 'expired') OR provisioning IN ('revoking', 'revoked', 'revoke_failed'))
);

-- One live request per product, principal and scope.
CREATE UNIQUE INDEX subscriptions_live_scope_idx ON subscriptions (product_id, principal, scope_hash)
    WHERE status IN ('pending', 'approved');
CREATE INDEX subscriptions_product_idx ON subscriptions (product_id, id);
CREATE INDEX subscriptions_consumer_idx ON subscriptions (consumer_domain_id, id);
CREATE INDEX subscriptions_status_idx ON subscriptions (status, id);
CREATE INDEX subscriptions_expiry_idx ON subscriptions (expires_at) WHERE status = 'approved' AND expires_at IS NOT NULL;

-- Desired state: one Lake Formation permission entry a subscription needs, with its apply state.
--   pending → granted | grant_failed                      (to be granted)
--   revoking → revoked | revoke_failed                    (to be revoked)
-- A grant another live subscription still needs for the same principal and resource is marked
-- revoked without calling Lake Formation (`kept_for` names that subscription).
CREATE TABLE grants (
    id              uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    principal       text NOT NULL,
    catalog_id      text NOT NULL CHECK (catalog_id ~ '^[0-9]{12}$'),
    resource_type   text NOT NULL CHECK (resource_type IN ('database', 'table', 'table_with_columns', 'data_cells_filter')),
    -- Canonical key of the resource, compared across subscriptions.
    resource_key    text NOT NULL,
    -- The Lake Formation `Resource`, as sent.
    resource        jsonb NOT NULL,
    permissions     text[] NOT NULL CHECK (cardinality(permissions) >= 1),
    -- For data_cells_filter grants: the filter's TableData, created before the grant.
    filter          jsonb,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'granted', 'grant_failed', 'revoking', 'revoked', 'revoke_failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      text,
    kept_for        uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, resource_key)
);
CREATE INDEX grants_principal_resource_idx ON grants (principal, resource_key);
CREATE INDEX grants_subscription_idx ON grants (subscription_id, state);
