-- Seeded defect (TFA052, docs/leaks.md entries 20, 21): the policies moved to a helper
-- that reads app.current_tenant, while the application still sets
-- app.tenant_id: no tenant context ever reaches a policy.
CREATE FUNCTION current_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE SET search_path = pg_catalog
    AS $$ SELECT nullif(current_setting('app.current_tenant', true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION current_tenant_id() TO app_user;
ALTER POLICY tenant_isolation_policy ON tenants
    USING (id = current_tenant_id()) WITH CHECK (id = current_tenant_id());
ALTER POLICY tenant_isolation_policy ON users
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
ALTER POLICY tenant_isolation_policy ON documents
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
ALTER POLICY tenant_isolation_policy ON document_chunks
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
