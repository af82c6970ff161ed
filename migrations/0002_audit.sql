-- The audit trail: append-only and hash-chained.
-- Each event's hash is SHA-256 over its canonical content and the previous event's hash, so any
-- edit, deletion or reordering is detected by walking the chain (GET /api/v1/audit/verify).
-- The database itself refuses UPDATE, DELETE and TRUNCATE, so the service cannot rewrite history
-- even through a bug; only a superuser who disables the triggers can, and the chain shows it.

CREATE TABLE audit_events (
    seq         bigint PRIMARY KEY CHECK (seq >= 1),
    at          timestamptz NOT NULL,
    actor_sub   text NOT NULL,
    actor_roles text[] NOT NULL,
    action      text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target      text NOT NULL,
    request_id  text NOT NULL,
    details     jsonb NOT NULL,
    prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash        text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);

CREATE INDEX audit_events_action_idx ON audit_events (action, seq);
CREATE INDEX audit_events_target_idx ON audit_events (target, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_sub, seq);
CREATE INDEX audit_events_at_idx ON audit_events (at);

CREATE FUNCTION meshgov_audit_is_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION meshgov_audit_is_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION meshgov_audit_is_append_only();
