-- Seeded defect (TFA028, docs/leaks.md entry 13): per-tenant counts in a materialized
-- view every tenant may read.
CREATE MATERIALIZED VIEW document_counts AS
    SELECT tenant_id, count(*) AS documents FROM documents GROUP BY tenant_id;
GRANT SELECT ON document_counts TO app_user;
