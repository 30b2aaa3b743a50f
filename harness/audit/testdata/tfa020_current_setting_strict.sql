-- Seeded defect (TFA020, docs/leaks.md entry 21): the seed guide's policy, which
-- raises in a session without context.
ALTER POLICY tenant_isolation_policy ON users
    USING (tenant_id = current_setting('app.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
