-- Webhooks: the event feed (derived from audit_events) pushed to receivers, with one delivery row
-- per (webhook, event) and its outcome. The feed itself needs no table: it is read from the audit
-- trail, so it can never disagree with it.

CREATE TABLE webhooks (
    -- UUIDv7: keyset pagination on id lists in registration order.
    id              uuid PRIMARY KEY,
    -- Checked in full by the service (https unless allowed, no userinfo or fragment).
    url             text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    -- CloudEvent types to receive; NULL: every type the registrant may see.
    types           text[] CHECK (types IS NULL OR cardinality(types) BETWEEN 1 AND 50),
    -- Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. Kept in clear because
    -- meshgov signs with it; it is shown to the client only once, when the webhook is created.
    secret          text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{43}=$'),
    -- The registrant as they were at registration: the webhook receives what they could read.
    owner_sub       text NOT NULL CHECK (length(owner_sub) BETWEEN 1 AND 256),
    owner_roles     text[] NOT NULL,
    owner_domains   text[] NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    disabled_reason text,
    -- The highest audit seq already fanned out (turned into deliveries, or found not for this
    -- webhook). Starts at the head of the trail when the webhook is created.
    cursor_seq      bigint NOT NULL CHECK (cursor_seq >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'disabled' OR disabled_reason IS NOT NULL)
);
CREATE INDEX webhooks_owner_idx ON webhooks (owner_sub, id);
CREATE INDEX webhooks_active_cursor_idx ON webhooks (cursor_seq) WHERE status = 'active';

-- One event to deliver to one webhook: pending → delivered | dead (after the last attempt, or a
-- 410 Gone). Written with its job and the webhook's cursor advance in one transaction.
CREATE TABLE webhook_deliveries (
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The audit event's seq. No foreign key: audit events are never deleted, and a reference
    -- would make TRUNCATE audit_events fail on the reference before the append-only trigger.
    seq             bigint NOT NULL CHECK (seq >= 1),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- The receiver's last HTTP status (NULL when it did not answer).
    last_status     smallint CHECK (last_status IS NULL OR last_status BETWEEN 100 AND 999),
    last_error      text CHECK (last_error IS NULL OR length(last_error) <= 2000),
    job_id          uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    PRIMARY KEY (webhook_id, seq),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_state_idx ON webhook_deliveries (webhook_id, state, seq);
