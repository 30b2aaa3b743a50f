-- The founding guide's Level 1 SQL (see docs/design.md), as written there, used as a
-- whole schema. Two changes only: tenants is created first (the guide's order
-- does not apply), and the application role and its grants are added (the
-- guide runs under Supabase's roles). Statically visible defects: no FORCE
-- ROW LEVEL SECURITY, current_setting without missing_ok, set_config(...,
-- false), documents.user_id referencing users(id) without the tenant.

CREATE ROLE app_user LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
GRANT USAGE ON SCHEMA public TO app_user;

-- Tabla maestra de tenants
CREATE TABLE tenants (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    slug TEXT UNIQUE NOT NULL,
    plan TEXT DEFAULT 'free',
    created_at TIMESTAMPTZ DEFAULT now()
);

-- Cada tabla necesita tenant_id
CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email TEXT NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    created_at TIMESTAMPTZ DEFAULT now()
);

CREATE TABLE documents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    title TEXT NOT NULL,
    content TEXT,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    user_id UUID REFERENCES users(id),
    created_at TIMESTAMPTZ DEFAULT now()
);

-- Habilitar RLS en TODAS las tablas
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;

-- Politica para users: solo ve su tenant
CREATE POLICY tenant_isolation_policy ON users
    USING (tenant_id = current_setting('app.tenant_id')::UUID);

-- Politica para documents: solo ve su tenant
CREATE POLICY tenant_isolation_policy ON documents
    USING (tenant_id = current_setting('app.tenant_id')::UUID);

-- Politica para tenants: solo ve su tenant
CREATE POLICY tenant_isolation_policy ON tenants
    USING (id = current_setting('app.tenant_id')::UUID);

-- Postgres function to set context
CREATE OR REPLACE FUNCTION set_tenant(tenant_id UUID)
RETURNS void AS $$
BEGIN
    PERFORM set_config('app.tenant_id', tenant_id::TEXT, false);
END;
$$ LANGUAGE plpgsql;

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, documents TO app_user;
