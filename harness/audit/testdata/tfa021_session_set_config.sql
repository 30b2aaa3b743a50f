-- Seeded defect (TFA021, docs/leaks.md entry 19): set_tenant sets the context for the
-- whole session, as the seed guide does.
CREATE OR REPLACE FUNCTION set_tenant(p_tenant_id uuid) RETURNS void
    LANGUAGE sql SECURITY INVOKER SET search_path = pg_catalog
    AS $$ SELECT set_config('app.tenant_id', p_tenant_id::text, false) $$;
