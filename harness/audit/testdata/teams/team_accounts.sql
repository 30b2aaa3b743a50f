-- A Supabase team-accounts schema in the shape real starters use (run with
-- --supabase, tenant column account_id, app role authenticated): accounts
-- are the tenants; auth.uid() is a user, who belongs to accounts through
-- account_user with a role; SECURITY DEFINER helpers answer "is the caller
-- a member?" for the policies; a trigger on auth.users creates each user's
-- personal account. Safe as written: the audit must give no false result.
CREATE TYPE public.account_role AS ENUM ('owner', 'member');

CREATE TABLE public.accounts (
    id                    uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(),
    primary_owner_user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id),
    name                  text,
    slug                  text UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
    personal_account      boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.account_user (
    user_id      uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    account_id   uuid NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
    account_role public.account_role NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
CREATE TABLE public.invitations (
    id                 uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(),
    account_id         uuid NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
    account_role       public.account_role NOT NULL,
    token              text NOT NULL UNIQUE DEFAULT encode(extensions.gen_random_bytes(16), 'hex'),
    invited_by_user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.notes (
    id         uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(),
    account_id uuid NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
    body       text NOT NULL,
    created_by uuid DEFAULT auth.uid() REFERENCES auth.users (id)
);

-- The accounts the caller belongs to (with a role, when given).
CREATE FUNCTION public.get_accounts_with_role(passed_in_role public.account_role DEFAULT NULL)
    RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT account_id FROM public.account_user wu
     WHERE wu.user_id = auth.uid()
       AND (wu.account_role = passed_in_role OR passed_in_role IS NULL);
$$;

-- Is the caller a member of the account (with the role, when given)?
CREATE FUNCTION public.has_role_on_account(account_id uuid, account_role public.account_role DEFAULT NULL)
    RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.account_user wu
         WHERE wu.user_id = auth.uid()
           AND wu.account_id = has_role_on_account.account_id
           AND (wu.account_role = has_role_on_account.account_role OR has_role_on_account.account_role IS NULL));
$$;

-- One account, for its members only: the membership check comes first.
CREATE FUNCTION public.get_account(account_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NOT public.has_role_on_account(get_account.account_id) THEN
        RAISE EXCEPTION 'not found';
    END IF;
    RETURN (SELECT json_build_object('id', a.id, 'name', a.name, 'slug', a.slug)
              FROM public.accounts a WHERE a.id = get_account.account_id);
END;
$$;

-- Owners change their members' roles; the owner check comes first.
CREATE FUNCTION public.update_account_user_role(account_id uuid, user_id uuid, new_role public.account_role)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF public.has_role_on_account(update_account_user_role.account_id, 'owner') IS NOT TRUE THEN
        RAISE EXCEPTION 'only an owner may change roles';
    END IF;
    UPDATE public.account_user au SET account_role = new_role
     WHERE au.account_id = update_account_user_role.account_id AND au.user_id = update_account_user_role.user_id;
END;
$$;

-- A new team account gets its creator as owner (the creator cannot insert
-- into account_user himself).
CREATE FUNCTION public.add_current_user_to_new_account() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NEW.primary_owner_user_id = auth.uid() THEN
        INSERT INTO public.account_user (account_id, user_id, account_role) VALUES (NEW.id, auth.uid(), 'owner');
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER add_current_user_to_new_account AFTER INSERT ON public.accounts
    FOR EACH ROW EXECUTE FUNCTION public.add_current_user_to_new_account();

-- Every new user gets a personal account, as GoTrue inserts them.
CREATE FUNCTION public.run_new_user_setup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    first_account_id uuid;
BEGIN
    INSERT INTO public.accounts (name, primary_owner_user_id, personal_account, id)
    VALUES (split_part(NEW.email, '@', 1), NEW.id, true, NEW.id)
    RETURNING id INTO first_account_id;
    INSERT INTO public.account_user (account_id, user_id, account_role) VALUES (first_account_id, NEW.id, 'owner');
    RETURN NEW;
END;
$$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION public.run_new_user_setup();

ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.account_user ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;

CREATE POLICY "members see their accounts" ON public.accounts FOR SELECT TO authenticated
    USING (id IN (SELECT public.get_accounts_with_role()));
CREATE POLICY "any signed-in user may create a team" ON public.accounts FOR INSERT TO authenticated
    WITH CHECK (auth.uid() IS NOT NULL);
CREATE POLICY "owners edit their accounts" ON public.accounts FOR UPDATE TO authenticated
    USING (public.has_role_on_account(id, 'owner'))
    WITH CHECK (public.has_role_on_account(id, 'owner'));

CREATE POLICY "members see their teammates" ON public.account_user FOR SELECT TO authenticated
    USING (public.has_role_on_account(account_id));
CREATE POLICY "owners remove members" ON public.account_user FOR DELETE TO authenticated
    USING (public.has_role_on_account(account_id, 'owner')
           AND user_id <> (SELECT a.primary_owner_user_id FROM public.accounts a WHERE a.id = account_user.account_id));

CREATE POLICY "owners see invitations" ON public.invitations FOR SELECT TO authenticated
    USING (public.has_role_on_account(account_id, 'owner'));
CREATE POLICY "owners invite" ON public.invitations FOR INSERT TO authenticated
    WITH CHECK (public.has_role_on_account(account_id, 'owner') AND invited_by_user_id = auth.uid());
CREATE POLICY "owners revoke invitations" ON public.invitations FOR DELETE TO authenticated
    USING (public.has_role_on_account(account_id, 'owner'));

CREATE POLICY "members use their notes" ON public.notes FOR ALL TO authenticated
    USING (public.has_role_on_account(account_id))
    WITH CHECK (public.has_role_on_account(account_id));

REVOKE ALL ON FUNCTION public.get_accounts_with_role(public.account_role), public.has_role_on_account(uuid, public.account_role),
    public.get_account(uuid), public.update_account_user_role(uuid, uuid, public.account_role) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_accounts_with_role(public.account_role), public.has_role_on_account(uuid, public.account_role),
    public.get_account(uuid), public.update_account_user_role(uuid, uuid, public.account_role) TO authenticated;
REVOKE ALL ON FUNCTION public.add_current_user_to_new_account(), public.run_new_user_setup() FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON public.accounts TO authenticated;
GRANT SELECT, DELETE ON public.account_user TO authenticated;
GRANT SELECT, INSERT, DELETE ON public.invitations TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO authenticated;
