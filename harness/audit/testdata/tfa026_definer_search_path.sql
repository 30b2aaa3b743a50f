-- Seeded defect (TFA026, docs/leaks.md entry 12): a SECURITY DEFINER function without
-- a fixed search_path.
CREATE FUNCTION relation_count() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$ SELECT count(*) FROM pg_catalog.pg_class $$;
