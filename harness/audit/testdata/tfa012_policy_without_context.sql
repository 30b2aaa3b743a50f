-- Seeded defect (TFA012, docs/leaks.md entries 6, 7): the users policy no longer reads
-- the tenant context.
ALTER POLICY tenant_isolation_policy ON users
    USING (tenant_id IS NOT NULL);
