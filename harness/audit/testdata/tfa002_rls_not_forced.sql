-- Seeded defect (TFA002, docs/leaks.md entry 3): RLS enabled on users but no longer
-- forced, so its owner bypasses the policy.
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
