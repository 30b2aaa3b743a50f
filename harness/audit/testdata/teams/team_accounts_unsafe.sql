-- Defects seeded into team_accounts.sql (applied on top of it): each is a
-- real cross-tenant hole the audit must name, in the shapes team schemas
-- get them wrong.

-- 1. A lookup by slug as the owner: any signed-in user reads any account.
CREATE FUNCTION public.get_account_by_slug(slug text) RETURNS json
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT json_build_object('id', a.id, 'name', a.name) FROM public.accounts a WHERE a.slug = get_account_by_slug.slug;
$$;

-- 2. Checks that the caller is signed in, not that he is a member.
CREATE FUNCTION public.get_account_notes(account_id uuid) RETURNS SETOF public.notes
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF auth.uid() IS NULL THEN
        RAISE EXCEPTION 'sign in first';
    END IF;
    RETURN QUERY SELECT * FROM public.notes n WHERE n.account_id = get_account_notes.account_id;
END;
$$;

-- 3. A membership helper whose OR opens every membership when no role is given.
CREATE FUNCTION public.get_accounts_with_role_or_any(passed_in_role public.account_role DEFAULT NULL)
    RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT account_id FROM public.account_user wu
     WHERE wu.user_id = auth.uid() AND wu.account_role = passed_in_role OR passed_in_role IS NULL;
$$;

GRANT EXECUTE ON FUNCTION public.get_account_by_slug(text), public.get_account_notes(uuid),
    public.get_accounts_with_role_or_any(public.account_role) TO authenticated;

-- 4. A policy that checks membership of any account, not of the row's.
DROP POLICY "members use their notes" ON public.notes;
CREATE POLICY "members use their notes" ON public.notes FOR ALL TO authenticated
    USING (EXISTS (SELECT 1 FROM public.account_user mine WHERE mine.user_id = auth.uid()))
    WITH CHECK (public.has_role_on_account(account_id));

-- 5. A definer trigger that logs every tenant's notes into one table.
CREATE TABLE public.note_log (note_id uuid, body text, logged_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION public.log_note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO public.note_log (note_id, body) VALUES (NEW.id, NEW.body);
    RETURN NEW;
END;
$$;
CREATE TRIGGER notes_log AFTER INSERT ON public.notes FOR EACH ROW EXECUTE FUNCTION public.log_note();

-- 6. A membership subquery whose bare account_id PostgreSQL resolves to
-- account_user's own column: true for every invitation of any member.
DROP POLICY "owners see invitations" ON public.invitations;
CREATE POLICY "owners see invitations" ON public.invitations FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM public.account_user m
                    WHERE m.user_id = auth.uid() AND m.account_role = 'owner' AND m.account_id = account_id));
