-- The vendor sample with its setter fixed: set_config(..., true) is
-- transaction-local, so the context ends with the request. The policies still
-- read app.current_tenant without missing_ok: a request without context raises
-- (42704 on a fresh session, 22P02 on '' after an earlier request), and that
-- is the pool failing closed, not a harness error.
CREATE OR REPLACE FUNCTION set_tenant_context(p_tenant_id uuid) RETURNS void
LANGUAGE sql AS $$ SELECT set_config('app.current_tenant', p_tenant_id::text, true) $$;
