-- A unique key on users.email across all tenants, checked only at commit:
-- the side-channel probe rolls back before commit, so a collision never
-- shows in a statement's outcome (zero reach; reach_test.go).
ALTER TABLE users ADD CONSTRAINT users_email_deferred_key UNIQUE (email) DEFERRABLE INITIALLY DEFERRED;
