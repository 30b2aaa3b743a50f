-- Seeded defect (TFA018, docs/leaks.md entries 8, 9): the chunks policy without its
-- WITH CHECK; writes are checked with USING.
DROP POLICY tenant_isolation_policy ON document_chunks;
CREATE POLICY tenant_isolation_policy ON document_chunks
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
