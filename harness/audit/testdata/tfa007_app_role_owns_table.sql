-- Seeded defect (TFA007, docs/leaks.md entries 3, 4): users owned by a migration role the
-- application role is a member of (and so inherits the owner's rights).
CREATE ROLE migrator NOLOGIN;
GRANT migrator TO app_user;
ALTER TABLE users OWNER TO migrator;
