-- Safe (issue 16): the search helper of tfa025_definer_reads_tenant.sql,
-- scoped to the caller's tenant in its WHERE. It runs as the superuser, but
-- reaches only the rows the tenant context names: no result.
CREATE FUNCTION match_documents(q text) RETURNS SETOF documents
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT * FROM documents
           WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
             AND title ILIKE '%' || q || '%' $$;
