-- A table whose tenant column is varchar(36) (uuid-shaped ids stored as
-- text, as many ORMs do), with a policy that admits every row: the fix
-- must compare the context as text, not cast it to uuid.
CREATE TABLE notes (
    id        varchar(36) PRIMARY KEY,
    tenant_id varchar(36) NOT NULL,
    body      text
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY notes_all ON notes USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO app_user;
