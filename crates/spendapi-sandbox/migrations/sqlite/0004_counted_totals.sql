-- Totals that do not scan: how many rows each table has, and how many have each value of the
-- columns whose equality filters are common (events.state, accounts.segment_1), kept by
-- triggers in the writing transaction, so an index's `total` for no filter or one such filter
-- is one row read (`Store::page`). Columns listed here are `Table::counted` in `src/store.rs`.
-- `col` is '' for the whole table; NULL values are not counted (no equality filter matches
-- them).

CREATE TABLE counts (
    tbl TEXT NOT NULL,
    col TEXT NOT NULL,
    val TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (tbl, col, val)
) WITHOUT ROWID;

INSERT INTO counts SELECT 'events', '', '', COUNT(*) FROM events;
INSERT INTO counts SELECT 'events', 'state', state, COUNT(*) FROM events
    WHERE state IS NOT NULL GROUP BY state;
INSERT INTO counts SELECT 'accounts', '', '', COUNT(*) FROM accounts;
INSERT INTO counts SELECT 'accounts', 'segment_1', segment_1, COUNT(*) FROM accounts
    WHERE segment_1 IS NOT NULL GROUP BY segment_1;

CREATE TRIGGER events_counted_insert AFTER INSERT ON events BEGIN
    INSERT INTO counts (tbl, col, val, n) VALUES ('events', '', '', 1)
        ON CONFLICT (tbl, col, val) DO UPDATE SET n = n + 1;
    INSERT INTO counts (tbl, col, val, n) SELECT 'events', 'state', NEW.state, 1
        WHERE NEW.state IS NOT NULL
        ON CONFLICT (tbl, col, val) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER events_counted_delete AFTER DELETE ON events BEGIN
    UPDATE counts SET n = n - 1 WHERE tbl = 'events' AND col = '' AND val = '';
    UPDATE counts SET n = n - 1 WHERE tbl = 'events' AND col = 'state' AND val = OLD.state;
END;

CREATE TRIGGER events_counted_update AFTER UPDATE OF state ON events
    WHEN OLD.state IS NOT NEW.state BEGIN
    UPDATE counts SET n = n - 1 WHERE tbl = 'events' AND col = 'state' AND val = OLD.state;
    INSERT INTO counts (tbl, col, val, n) SELECT 'events', 'state', NEW.state, 1
        WHERE NEW.state IS NOT NULL
        ON CONFLICT (tbl, col, val) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER accounts_counted_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO counts (tbl, col, val, n) VALUES ('accounts', '', '', 1)
        ON CONFLICT (tbl, col, val) DO UPDATE SET n = n + 1;
    INSERT INTO counts (tbl, col, val, n) SELECT 'accounts', 'segment_1', NEW.segment_1, 1
        WHERE NEW.segment_1 IS NOT NULL
        ON CONFLICT (tbl, col, val) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER accounts_counted_delete AFTER DELETE ON accounts BEGIN
    UPDATE counts SET n = n - 1 WHERE tbl = 'accounts' AND col = '' AND val = '';
    UPDATE counts SET n = n - 1
        WHERE tbl = 'accounts' AND col = 'segment_1' AND val = OLD.segment_1;
END;

CREATE TRIGGER accounts_counted_update AFTER UPDATE OF segment_1 ON accounts
    WHEN OLD.segment_1 IS NOT NEW.segment_1 BEGIN
    UPDATE counts SET n = n - 1
        WHERE tbl = 'accounts' AND col = 'segment_1' AND val = OLD.segment_1;
    INSERT INTO counts (tbl, col, val, n) SELECT 'accounts', 'segment_1', NEW.segment_1, 1
        WHERE NEW.segment_1 IS NOT NULL
        ON CONFLICT (tbl, col, val) DO UPDATE SET n = n + 1;
END;
