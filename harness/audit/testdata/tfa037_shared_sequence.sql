-- Seeded defect (TFA037, docs/leaks.md entry 29): chunk numbers from one sequence for
-- all tenants.
ALTER TABLE document_chunks ADD COLUMN seq bigserial;
