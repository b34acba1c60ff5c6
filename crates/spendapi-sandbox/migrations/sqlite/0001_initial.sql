-- The sandbox's schema. Portable SQL (SQLite now, PostgreSQL next): BIGINT/TEXT/BOOLEAN
-- columns, no AUTOINCREMENT, ids assigned from `counters` inside the writing transaction.
-- Every resource is one row: indexed columns for the attributes that are looked up or
-- filtered on, and `doc`, the full wire document as JSON text (JSONB on PostgreSQL).
-- Datetime columns hold UTC RFC 3339 text (`2024-05-02T21:03:11Z`), so text order is time
-- order.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE tokens (
    token      TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,          -- coupa | concur | concur_refresh
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,          -- space-separated
    expires_at BIGINT NOT NULL         -- unix seconds
);
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE account_types (
    id   BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    doc  TEXT NOT NULL
);

CREATE TABLE accounts (
    id              BIGINT PRIMARY KEY,
    account_type_id BIGINT NOT NULL REFERENCES account_types (id),
    code            TEXT NOT NULL,
    name            TEXT,
    active          BOOLEAN,
    segment_1       TEXT,
    updated_at      TEXT NOT NULL,
    doc             TEXT NOT NULL
);
CREATE INDEX accounts_code ON accounts (code);
CREATE INDEX accounts_account_type_id ON accounts (account_type_id);
CREATE INDEX accounts_segment_1 ON accounts (segment_1);
CREATE INDEX accounts_updated_at ON accounts (updated_at);

CREATE TABLE delegations (
    id           BIGINT PRIMARY KEY,
    delegator_id BIGINT,
    delegate_id  BIGINT,
    updated_at   TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX delegations_delegator_id ON delegations (delegator_id);
CREATE INDEX delegations_delegate_id ON delegations (delegate_id);
CREATE INDEX delegations_updated_at ON delegations (updated_at);

CREATE TABLE integration_history_records (
    id            BIGINT PRIMARY KEY,
    document_type TEXT NOT NULL,
    document_id   BIGINT NOT NULL,
    status        TEXT,
    resolved      BOOLEAN NOT NULL,
    updated_at    TEXT NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX ihr_document ON integration_history_records (document_type, document_id);
CREATE INDEX ihr_document_id ON integration_history_records (document_id);
CREATE INDEX ihr_status ON integration_history_records (status);
CREATE INDEX ihr_resolved ON integration_history_records (resolved);
CREATE INDEX ihr_updated_at ON integration_history_records (updated_at);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,     -- 19 digits
    event_number BIGINT NOT NULL UNIQUE,
    market_id    TEXT NOT NULL,
    state        TEXT NOT NULL,
    name         TEXT,
    updated_at   TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX events_market_id ON events (market_id);
CREATE INDEX events_state ON events (state);
CREATE INDEX events_name ON events (name);

CREATE TABLE allocations (
    allocation_id TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    report_id     TEXT NOT NULL,
    expense_id    TEXT NOT NULL,
    is_system     BOOLEAN NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX allocations_report_expense ON allocations (report_id, expense_id);
