-- An approved subscription may be `revoke_failed`: a narrowing (a dropped table or column) whose
-- revoke failed leaves the principal more than was approved, and that must show on it.
ALTER TABLE subscriptions
    DROP CONSTRAINT subscriptions_check2,
    ADD CONSTRAINT subscriptions_approved_provisioning CHECK (
        status <> 'approved' OR (approved_scope IS NOT NULL
                                 AND provisioning IN ('granting', 'granted', 'grant_failed', 'revoke_failed')));
