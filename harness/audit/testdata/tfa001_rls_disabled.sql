-- Seeded defect (TFA001, docs/leaks.md entry 1): a tenant table created without
-- row-level security; the application may read and write it.
SET ROLE tenantfuzz_owner;
CREATE TABLE invoices (
    id        uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    amount    integer NOT NULL
);
RESET ROLE;
GRANT SELECT, INSERT ON invoices TO app_user;
