-- Seeded defect (TFA036, docs/leaks.md entry 16): an audit trigger that writes as the
-- superuser on every tenant's inserts.
CREATE TABLE document_log (document_id uuid, logged_at timestamptz DEFAULT now());
CREATE FUNCTION log_document() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    INSERT INTO document_log (document_id) VALUES (NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER documents_log AFTER INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION log_document();
