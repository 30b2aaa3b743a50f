-- Seeded defect (TFA015, docs/leaks.md entry 7): "shared" documents without a tenant,
-- visible to every tenant.
ALTER TABLE documents ALTER COLUMN tenant_id DROP NOT NULL;
ALTER POLICY tenant_isolation_policy ON documents
    USING (tenant_id IS NULL
           OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
