-- Seeded defect (TFA019, LEAKS.md 7, 20): chunks may have no tenant.
ALTER TABLE document_chunks ALTER COLUMN tenant_id DROP NOT NULL;
