-- The sandbox's schema on PostgreSQL: the SQLite schema (`../sqlite/`) with native types.
-- Every resource is one row: indexed columns for the attributes that are looked up or
-- filtered on, and `doc`, the full wire document. `doc` is TEXT, not JSONB: JSONB reorders
-- keys and normalises numbers, and the sandbox answers the stored document byte for byte as
-- the SQLite sandbox does; nothing queries inside it (filters use the indexed columns).
-- Text columns use the "C" collation: byte order, as SQLite compares, so `order_by` and
-- `gt`/`lt` filters on text answer the same on both backends.
-- Ids come from `counters`, updated inside the writing transaction (the row lock orders
-- concurrent writers in every replica, so no number is handed out twice).

CREATE TABLE counters (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE tokens (
    token      TEXT COLLATE "C" PRIMARY KEY,
    kind       TEXT COLLATE "C" NOT NULL,          -- coupa | concur | concur_refresh
    client_id  TEXT COLLATE "C" NOT NULL,
    scopes     TEXT COLLATE "C" NOT NULL,          -- space-separated
    expires_at BIGINT NOT NULL         -- unix seconds
);
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE account_types (
    id   BIGINT PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    doc  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE accounts (
    id              BIGINT PRIMARY KEY,
    account_type_id BIGINT NOT NULL REFERENCES account_types (id),
    code            TEXT COLLATE "C" NOT NULL,
    name            TEXT COLLATE "C",
    active          BOOLEAN,
    segment_1       TEXT COLLATE "C",
    updated_at      TIMESTAMPTZ NOT NULL,
    doc             TEXT COLLATE "C" NOT NULL
);
CREATE INDEX accounts_code ON accounts (code);
CREATE INDEX accounts_account_type_id ON accounts (account_type_id);
CREATE INDEX accounts_segment_1_id ON accounts (segment_1, id);
CREATE INDEX accounts_updated_at ON accounts (updated_at);

CREATE TABLE delegations (
    id           BIGINT PRIMARY KEY,
    delegator_id BIGINT,
    delegate_id  BIGINT,
    updated_at   TIMESTAMPTZ NOT NULL,
    doc          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX delegations_delegator_id ON delegations (delegator_id);
CREATE INDEX delegations_delegate_id ON delegations (delegate_id);
CREATE INDEX delegations_updated_at ON delegations (updated_at);

CREATE TABLE integration_history_records (
    id            BIGINT PRIMARY KEY,
    document_type TEXT COLLATE "C" NOT NULL,
    document_id   BIGINT NOT NULL,
    status        TEXT COLLATE "C",
    resolved      BOOLEAN NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    doc           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX ihr_document ON integration_history_records (document_type, document_id);
CREATE INDEX ihr_document_id ON integration_history_records (document_id);
CREATE INDEX ihr_status ON integration_history_records (status);
CREATE INDEX ihr_resolved ON integration_history_records (resolved);
CREATE INDEX ihr_updated_at ON integration_history_records (updated_at);

CREATE TABLE events (
    id           TEXT COLLATE "C" PRIMARY KEY,     -- 19 digits
    event_number BIGINT NOT NULL UNIQUE,
    market_id    TEXT COLLATE "C" NOT NULL,
    state        TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C",
    updated_at   TIMESTAMPTZ NOT NULL,
    doc          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX events_state_number ON events (state, event_number);
CREATE INDEX events_market_number ON events (market_id, event_number);
CREATE INDEX events_name ON events (name);

CREATE TABLE allocations (
    allocation_id TEXT COLLATE "C" PRIMARY KEY,
    user_id       TEXT COLLATE "C" NOT NULL,
    report_id     TEXT COLLATE "C" NOT NULL,
    expense_id    TEXT COLLATE "C" NOT NULL,
    is_system     BOOLEAN NOT NULL,
    doc           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX allocations_report_expense ON allocations (report_id, expense_id);
