-- notes: insert-only for the application, every row stamped with the
-- context's tenant by a trigger (the admin loading a world, with no context
-- set, keeps the generated tenant). No write to it, even run by the admin
-- with the tenant's context set, can change another tenant's rows: zero
-- reach for write-isolation (reach_test.go). Without SELECT, RETURNING is
-- refused: a stamped row returned with the canary of the tenant the
-- statement named would be attributed to that tenant.
SET ROLE tenantfuzz_owner;
CREATE TABLE notes (
    id        uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    body      text NOT NULL
);
CREATE FUNCTION notes_stamp_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF nullif(current_setting('app.tenant_id', true), '') IS NOT NULL THEN
        NEW.tenant_id := current_setting('app.tenant_id')::uuid;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER notes_stamp_tenant BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION notes_stamp_tenant();
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_policy ON notes
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
RESET ROLE;
GRANT INSERT ON notes TO app_user; -- no SELECT: RETURNING is refused
