-- Seeded defect (TFA035, docs/leaks.md entry 16): a BEFORE INSERT trigger that files
-- each document under its user's tenant.
SET ROLE tenantfuzz_owner;
CREATE FUNCTION documents_tenant_from_user() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public
    AS $$
BEGIN
    NEW.tenant_id := (SELECT u.tenant_id FROM users u WHERE u.id = NEW.user_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER documents_tenant BEFORE INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_tenant_from_user();
RESET ROLE;
