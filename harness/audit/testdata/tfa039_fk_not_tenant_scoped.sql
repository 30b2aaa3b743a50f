-- Seeded defect (TFA039, docs/leaks.md entry 25): comments reference documents by id
-- alone.
SET ROLE tenantfuzz_owner;
CREATE TABLE comments (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    document_id uuid NOT NULL REFERENCES documents (id),
    body        text NOT NULL
);
ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_policy ON comments
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
RESET ROLE;
GRANT SELECT, INSERT, UPDATE, DELETE ON comments TO app_user;
