-- Seeded defect (TFA009, docs/leaks.md entries 19, 20): every session of the
-- application role starts as tenant T1.
ALTER ROLE app_user SET app.tenant_id = '7e4a0000-0000-4000-8000-000000000001';
