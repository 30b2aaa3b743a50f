-- Seeded defect (TFA024, docs/leaks.md entry 11): a reporting view created by the
-- superuser, without security_invoker.
CREATE VIEW document_titles AS
    SELECT id, tenant_id, title FROM documents;
GRANT SELECT ON document_titles TO app_user;
