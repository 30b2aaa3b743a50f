-- Seeded defect (TFA023, docs/leaks.md entry 22): the seed guide's router, building
-- SET LOCAL app.tenant_id = '<id>' by concatenation.
CREATE FUNCTION route_tenant(p_tenant text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog
    AS $$
BEGIN
    EXECUTE 'SET LOCAL app.tenant_id = ''' || p_tenant || '''';
END
$$;
GRANT EXECUTE ON FUNCTION route_tenant(text) TO app_user;
