-- Seeded defect (TFA032, docs/leaks.md entries 15, 25): REFERENCES granted on users.
GRANT REFERENCES ON users TO app_user;
