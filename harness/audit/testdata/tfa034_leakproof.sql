-- Seeded defect (TFA034, docs/leaks.md entry 18): a LEAKPROOF function that raises
-- with its argument.
CREATE FUNCTION title_equals(a text, b text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE LEAKPROOF
    AS $$
BEGIN
    IF a IS NULL THEN
        RAISE EXCEPTION 'no title to compare with %', b;
    END IF;
    RETURN a = b;
END
$$;
