-- Seeded defect (TFA030, docs/leaks.md entry 14): an inheritance child of documents
-- without RLS, granted directly.
SET ROLE tenantfuzz_owner;
CREATE TABLE documents_archive () INHERITS (documents);
RESET ROLE;
GRANT SELECT ON documents_archive TO app_user;
