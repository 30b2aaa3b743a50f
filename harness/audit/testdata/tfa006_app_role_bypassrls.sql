-- Seeded defect (TFA006, docs/leaks.md entry 4): the application role bypasses RLS.
ALTER ROLE app_user BYPASSRLS;
