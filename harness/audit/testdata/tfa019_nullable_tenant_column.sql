-- Seeded defect (TFA019, docs/leaks.md entries 7, 20): chunks may have no tenant.
ALTER TABLE document_chunks ALTER COLUMN tenant_id DROP NOT NULL;
