-- Seeded defect (TFA013, docs/leaks.md entry 8): WITH CHECK (true) lets a tenant
-- insert chunks into any tenant.
ALTER POLICY tenant_isolation_policy ON document_chunks
    WITH CHECK (true);
