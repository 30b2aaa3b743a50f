-- Seeded defect (TFA005, docs/leaks.md entry 4): the application role can SET ROLE to
-- a superuser role.
CREATE ROLE ops NOLOGIN SUPERUSER;
GRANT ops TO app_user;
