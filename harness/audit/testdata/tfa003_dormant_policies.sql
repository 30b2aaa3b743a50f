-- Seeded defect (TFA003, docs/leaks.md entries 1, 2): RLS switched off on users; its
-- policy stays in place and is never applied.
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
