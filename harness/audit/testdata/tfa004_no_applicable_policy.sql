-- Seeded defect (TFA004, docs/leaks.md entry 5): the only policy on document_chunks
-- dropped: RLS denies every row to the application.
DROP POLICY tenant_isolation_policy ON document_chunks;
