-- Seeded defect (TFA031, LEAKS.md 15): TRUNCATE granted on chunks.
GRANT TRUNCATE ON document_chunks TO app_user;
