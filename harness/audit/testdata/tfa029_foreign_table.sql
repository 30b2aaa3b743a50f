-- Seeded defect (TFA029, docs/leaks.md entry 13): archived documents in a foreign
-- table the application may read.
CREATE FOREIGN DATA WRAPPER archive_fdw;
CREATE SERVER archive FOREIGN DATA WRAPPER archive_fdw;
CREATE FOREIGN TABLE archived_documents (
    id        uuid,
    tenant_id uuid,
    title     text
) SERVER archive;
GRANT SELECT ON archived_documents TO app_user;
