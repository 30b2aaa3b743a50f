-- Seeded defect (TFA011, docs/leaks.md entry 6): a second permissive SELECT policy on
-- documents "for shared documents", OR-ed with the tenant policy.
CREATE POLICY shared_documents ON documents FOR SELECT
    USING (doc_type = 'shared');
