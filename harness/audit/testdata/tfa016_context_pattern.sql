-- Seeded defect (TFA016, docs/leaks.md entry 7): the context matched as a prefix; an
-- empty context matches every tenant.
ALTER POLICY tenant_isolation_policy ON documents
    USING (tenant_id::text LIKE current_setting('app.tenant_id', true) || '%');
