-- Seeded defect (TFA051, docs/leaks.md entry 7): the users policy compares hash
-- buckets of the tenant id, not the id: tenants in one bucket share users.
-- The documents policy keeps the exact comparison next to a function of
-- the key, which stays exact (not flagged); the chunks policy ORs a short
-- code to the exact comparison, which is a branch of its own (flagged).
ALTER POLICY tenant_isolation_policy ON users
    USING (abs(hashtext(tenant_id::text)) % 4096 = abs(hashtext(nullif(current_setting('app.tenant_id', true), ''))) % 4096);
ALTER POLICY tenant_isolation_policy ON documents
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid AND length(tenant_id::text) = 36);
ALTER POLICY tenant_isolation_policy ON document_chunks
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
           OR right(tenant_id::text, 3) = right(current_setting('app.tenant_id', true), 3));
