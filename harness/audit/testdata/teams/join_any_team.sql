-- Seeded defect (TFA025, docs/leaks.md entry 12), on the team-accounts
-- fixture: an RPC that "joins a team" inserts the caller's membership into
-- whichever account the client names. The VALUES read auth.uid(), yet the
-- account comes from a parameter: any signed-in user becomes an owner of
-- any team. Unlike create_account, nothing ties the new row's account to
-- the caller.
CREATE FUNCTION public.join_account(p_account uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF auth.uid() IS NULL THEN
        RAISE EXCEPTION 'sign in first';
    END IF;
    INSERT INTO public.account_user (account_id, user_id, account_role)
    VALUES (p_account, auth.uid(), 'owner');
END;
$$;
GRANT EXECUTE ON FUNCTION public.join_account(uuid) TO authenticated;
