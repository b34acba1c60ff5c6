-- A filtered first page in the default order walks one index and stops after the page:
-- each equality filter's index also carries the default order's column (the key breaks ties
-- inside it), so SQLite neither reads every match nor sorts them. The single-column indexes
-- these extend are dropped (a prefix of the new one serves the same look-ups).

CREATE INDEX events_state_number ON events (state, event_number);
CREATE INDEX events_market_number ON events (market_id, event_number);
DROP INDEX events_state;
DROP INDEX events_market_id;

CREATE INDEX accounts_segment_1_id ON accounts (segment_1, id);
DROP INDEX accounts_segment_1;
