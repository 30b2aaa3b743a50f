-- Seeded defect (TFA008, docs/leaks.md entry 4): the application role may create roles.
ALTER ROLE app_user CREATEROLE;
