-- Totals that do not scan (see migrations/sqlite/0004_counted_totals.sql): row counts per
-- table and per value of events.state and accounts.segment_1, kept by triggers in the
-- writing transaction. An update that moves a row between two values takes the two count
-- rows in value order, so two such updates in opposite directions wait for each other
-- instead of deadlocking.

CREATE TABLE counts (
    tbl TEXT NOT NULL,
    col TEXT NOT NULL,
    val TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tbl, col, val)
);

INSERT INTO counts SELECT 'events', '', '', COUNT(*) FROM events;
INSERT INTO counts SELECT 'events', 'state', state, COUNT(*) FROM events
    WHERE state IS NOT NULL GROUP BY state;
INSERT INTO counts SELECT 'accounts', '', '', COUNT(*) FROM accounts;
INSERT INTO counts SELECT 'accounts', 'segment_1', segment_1, COUNT(*) FROM accounts
    WHERE segment_1 IS NOT NULL GROUP BY segment_1;

-- Adds `delta` to the count of (tbl, col, val); a NULL value is not counted.
CREATE FUNCTION counts_add(t TEXT, c TEXT, v TEXT, delta BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF v IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO counts (tbl, col, val, n) VALUES (t, c, v, delta)
        ON CONFLICT (tbl, col, val) DO UPDATE SET n = counts.n + delta;
END $$;

-- The row trigger of a counted table; TG_ARGV[0] names its counted column.
CREATE FUNCTION counts_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    col TEXT := TG_ARGV[0];
    old_val TEXT;
    new_val TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT ($1).%I::text', col) INTO new_val USING NEW;
        PERFORM counts_add(TG_TABLE_NAME, '', '', 1);
        PERFORM counts_add(TG_TABLE_NAME, col, new_val, 1);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT ($1).%I::text', col) INTO old_val USING OLD;
        PERFORM counts_add(TG_TABLE_NAME, '', '', -1);
        PERFORM counts_add(TG_TABLE_NAME, col, old_val, -1);
    ELSE
        EXECUTE format('SELECT ($1).%I::text', col) INTO old_val USING OLD;
        EXECUTE format('SELECT ($1).%I::text', col) INTO new_val USING NEW;
        IF old_val IS DISTINCT FROM new_val THEN
            IF old_val IS NULL OR (new_val IS NOT NULL AND new_val < old_val) THEN
                PERFORM counts_add(TG_TABLE_NAME, col, new_val, 1);
                PERFORM counts_add(TG_TABLE_NAME, col, old_val, -1);
            ELSE
                PERFORM counts_add(TG_TABLE_NAME, col, old_val, -1);
                PERFORM counts_add(TG_TABLE_NAME, col, new_val, 1);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER events_counted AFTER INSERT OR DELETE OR UPDATE OF state ON events
    FOR EACH ROW EXECUTE FUNCTION counts_track('state');
CREATE TRIGGER accounts_counted AFTER INSERT OR DELETE OR UPDATE OF segment_1 ON accounts
    FOR EACH ROW EXECUTE FUNCTION counts_track('segment_1');
