-- Seeded defect (TFA008, LEAKS.md 4): the application role may create roles.
ALTER ROLE app_user CREATEROLE;
