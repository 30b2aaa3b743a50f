-- Seeded defect (TFA038, docs/leaks.md entry 25): e-mail unique across all tenants.
CREATE UNIQUE INDEX users_email_key ON users (email);
