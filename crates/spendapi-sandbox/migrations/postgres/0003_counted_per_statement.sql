-- Counts kept per statement, not per row (0002 kept them with row triggers).
--
-- A row trigger updates the same `counts` rows once per inserted row, and PostgreSQL keeps a
-- new version of a row for every update inside one transaction: the benchmark's load of
-- 1,000,000 events (3,750 rows per INSERT) slowed down until a statement ran into the 10 s
-- statement timeout, and each bulk create of 50 events wrote 100 versions of two rows while
-- holding their locks. A statement trigger sees every row the statement changed in its
-- transition tables and adds one delta per counted value: one update of the table's row and
-- one per distinct value, whatever the number of rows.
--
-- PostgreSQL allows transition tables only on a trigger for one event without a column list,
-- hence three triggers per table, and the update trigger runs for every UPDATE (a statement
-- that leaves the counted column alone adds nothing). INSERT ... ON CONFLICT DO UPDATE fires
-- both the insert trigger (the rows inserted) and the update trigger (the rows updated).
-- Deltas are applied in (col, val) order, as 0002 ordered its two rows, so writers that
-- touch the same count rows take them in the same order and wait instead of deadlocking.

CREATE FUNCTION counts_track_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    col TEXT := TG_ARGV[0];
    changes TEXT;
    delta RECORD;
BEGIN
    IF TG_OP = 'INSERT' THEN
        changes := format('SELECT (%I)::text AS v, 1 AS d FROM new_rows', col);
    ELSIF TG_OP = 'DELETE' THEN
        changes := format('SELECT (%I)::text AS v, -1 AS d FROM old_rows', col);
    ELSE
        changes := format(
            'SELECT (%1$I)::text AS v, -1 AS d FROM old_rows
             UNION ALL SELECT (%1$I)::text, 1 FROM new_rows', col);
    END IF;
    FOR delta IN EXECUTE format(
        'WITH changes AS (%s)
         SELECT c, v, d FROM (
             SELECT %L::text AS c, %L::text AS v, sum(d)::bigint AS d FROM changes
             UNION ALL
             SELECT %L::text, v, sum(d)::bigint FROM changes WHERE v IS NOT NULL GROUP BY v
         ) deltas
         WHERE d <> 0
         ORDER BY c COLLATE "C", v COLLATE "C"', changes, '', '', col)
    LOOP
        PERFORM counts_add(TG_TABLE_NAME, delta.c, delta.v, delta.d);
    END LOOP;
    RETURN NULL;
END $$;

DROP TRIGGER events_counted ON events;
DROP TRIGGER accounts_counted ON accounts;
DROP FUNCTION counts_track();

CREATE TRIGGER events_counted_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION counts_track_statement('state');
CREATE TRIGGER events_counted_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION counts_track_statement('state');
CREATE TRIGGER events_counted_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION counts_track_statement('state');

CREATE TRIGGER accounts_counted_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION counts_track_statement('segment_1');
CREATE TRIGGER accounts_counted_update AFTER UPDATE ON accounts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION counts_track_statement('segment_1');
CREATE TRIGGER accounts_counted_delete AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION counts_track_statement('segment_1');
