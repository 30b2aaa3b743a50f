-- Clean variant: the same embedding reuse as the content-hash-dedupe
-- mutant (a SECURITY DEFINER trigger, owned by a superuser, matching chunks
-- by the hash of their body), but only among the inserting tenant's own
-- chunks: tenants that upload the same text keep their own embeddings.
-- Not in fixtures/variants: the audit flags every SECURITY DEFINER trigger
-- (TFA036, medium) without judging its tenant filter, and the variants
-- there must audit clean; the properties pass it (harness/shared_test.go).
CREATE FUNCTION reuse_chunk_embedding() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    existing text;
BEGIN
    SELECT vector_id INTO existing FROM document_chunks
     WHERE tenant_id = NEW.tenant_id AND md5(body) = md5(NEW.body) AND vector_id IS NOT NULL
     ORDER BY id LIMIT 1;
    IF FOUND THEN
        NEW.vector_id := existing;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER document_chunks_reuse_embedding BEFORE INSERT ON document_chunks
    FOR EACH ROW EXECUTE FUNCTION reuse_chunk_embedding();
