-- Seeded defect (TFA010, docs/leaks.md entry 12): the application role may create
-- objects next to the tenant data.
GRANT CREATE ON SCHEMA public TO app_user;
