-- Seeded defect (TFA032, LEAKS.md 15, 25): REFERENCES granted on users.
GRANT REFERENCES ON users TO app_user;
