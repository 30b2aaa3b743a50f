-- Seeded defect (TFA037, LEAKS.md 29): chunk numbers from one sequence for
-- all tenants.
ALTER TABLE document_chunks ADD COLUMN seq bigserial;
