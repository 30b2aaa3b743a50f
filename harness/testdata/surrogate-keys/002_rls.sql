ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE tickets ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY isolation ON tenants USING (id = current_setting('app.tenant_id', true)::uuid);
CREATE POLICY isolation ON agents USING (tenant_id = current_setting('app.tenant_id', true)::uuid);
CREATE POLICY isolation ON tickets USING (tenant_id = current_setting('app.tenant_id', true)::uuid);
CREATE POLICY isolation ON comments USING (tenant_id = current_setting('app.tenant_id', true)::uuid);
CREATE POLICY isolation ON attachments USING (tenant_id = current_setting('app.tenant_id', true)::uuid);

CREATE ROLE app_user LOGIN;
GRANT USAGE ON SCHEMA public TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app_user;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO app_user;
