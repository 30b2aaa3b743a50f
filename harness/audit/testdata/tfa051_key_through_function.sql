-- Seeded defect (TFA051, LEAKS.md 7): the users policy compares hash
-- buckets of the tenant id, not the id: tenants in one bucket share users.
-- The documents policy keeps the exact comparison next to a function of
-- the key, which stays exact (not flagged).
ALTER POLICY tenant_isolation_policy ON users
    USING (abs(hashtext(tenant_id::text)) % 4096 = abs(hashtext(nullif(current_setting('app.tenant_id', true), ''))) % 4096);
ALTER POLICY tenant_isolation_policy ON documents
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid AND length(tenant_id::text) = 36);
