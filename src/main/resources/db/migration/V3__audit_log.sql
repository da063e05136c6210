-- The audit log: appended in the same transaction as the change it records, never changed.
-- The database itself refuses UPDATE, DELETE and TRUNCATE, whoever asks.
CREATE TABLE audit_logs (
    id              uuid PRIMARY KEY,
    at              timestamptz NOT NULL,
    action          text        NOT NULL,
    actor_type      text        NOT NULL CHECK (actor_type IN ('user', 'client', 'anonymous', 'system')),
    actor_id        text,
    client_id       text,
    organization_id uuid,
    ip              text,
    user_agent      text,
    outcome         text        NOT NULL CHECK (outcome IN ('success', 'failure')),
    details         jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_logs_organization ON audit_logs (organization_id, id);
CREATE INDEX audit_logs_action ON audit_logs (action, id);

CREATE FUNCTION audit_logs_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log entries cannot be changed or deleted' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_logs_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_logs_are_immutable();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_are_immutable();
