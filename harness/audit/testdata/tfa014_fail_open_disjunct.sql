-- Seeded defect (TFA014, docs/leaks.md entries 7, 21): no context means all users.
ALTER POLICY tenant_isolation_policy ON users
    USING (current_setting('app.tenant_id', true) IS NULL
           OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
