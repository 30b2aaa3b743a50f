-- Seeded defect (TFA017, docs/leaks.md entry 10): the users policy narrowed to SELECT
-- while INSERT, UPDATE and DELETE stay granted.
DROP POLICY tenant_isolation_policy ON users;
CREATE POLICY tenant_read ON users FOR SELECT
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
