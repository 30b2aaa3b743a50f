-- Seeded defect (TFA031, docs/leaks.md entry 15): TRUNCATE granted on chunks.
GRANT TRUNCATE ON document_chunks TO app_user;
