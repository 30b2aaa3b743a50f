-- Seeded defect (TFA027, docs/leaks.md entry 12): the users policy reads the context
-- through a helper whose search_path is the caller's.
CREATE FUNCTION current_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
ALTER POLICY tenant_isolation_policy ON users
    USING (tenant_id = current_tenant())
    WITH CHECK (tenant_id = current_tenant());
