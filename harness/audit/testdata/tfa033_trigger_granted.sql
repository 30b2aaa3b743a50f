-- Seeded defect (TFA033, docs/leaks.md entry 16): TRIGGER granted on documents.
GRANT TRIGGER ON documents TO app_user;
