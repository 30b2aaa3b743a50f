-- Seeded defect (TFA006, LEAKS.md 4): the application role bypasses RLS.
ALTER ROLE app_user BYPASSRLS;
