-- Seeded defect (TFA033, LEAKS.md 16): TRIGGER granted on documents.
GRANT TRIGGER ON documents TO app_user;
