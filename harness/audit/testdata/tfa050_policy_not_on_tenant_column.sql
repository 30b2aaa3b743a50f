-- Seeded defect (TFA050, docs/leaks.md entry 6): the users policy copied from the
-- tenants policy compares the row's id with the context.
ALTER POLICY tenant_isolation_policy ON users
    USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid);
