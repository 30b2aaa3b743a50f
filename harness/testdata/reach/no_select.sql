-- The application role may run SQL but read no tenant table: whatever a
-- role trick does, the session can show no tenant's rows (zero reach for
-- role-tricks; reach_test.go).
REVOKE SELECT ON tenants, users, documents, document_chunks FROM app_user;
