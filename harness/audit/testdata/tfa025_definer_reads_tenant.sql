-- Seeded defect (TFA025, docs/leaks.md entries 12, 38): a search helper owned by the
-- superuser and run with its rights.
CREATE FUNCTION match_documents(q text) RETURNS SETOF documents
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT * FROM documents WHERE title ILIKE '%' || q || '%' $$;
