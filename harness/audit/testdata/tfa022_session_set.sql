-- Seeded defect (TFA022, docs/leaks.md entry 19): a context function that runs a
-- session-level SET (quoted correctly, but not LOCAL).
CREATE FUNCTION switch_tenant(p_tenant text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog
    AS $$
BEGIN
    EXECUTE format('SET app.tenant_id = %L', p_tenant);
END
$$;
GRANT EXECUTE ON FUNCTION switch_tenant(text) TO app_user;
