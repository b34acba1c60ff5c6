-- Datetime columns held UTC RFC 3339 text with as many fractional digits as the value had,
-- so `…:11Z` sorted after `…:11.5Z` ('Z' > '.'). Every datetime column now holds exactly six
-- fractional digits (`2024-05-02T21:03:11.000000Z`, microseconds like PostgreSQL's
-- TIMESTAMPTZ), so text order is time order. The columns only ever held `…Z` text written by
-- the sandbox: 19 characters of date and time, an optional fraction, then `Z`.

UPDATE accounts SET updated_at =
    substr(updated_at, 1, 19) || '.' ||
    substr(CASE WHEN substr(updated_at, 20, 1) = '.'
                THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000', 1, 6)
    || 'Z';
UPDATE delegations SET updated_at =
    substr(updated_at, 1, 19) || '.' ||
    substr(CASE WHEN substr(updated_at, 20, 1) = '.'
                THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000', 1, 6)
    || 'Z';
UPDATE integration_history_records SET updated_at =
    substr(updated_at, 1, 19) || '.' ||
    substr(CASE WHEN substr(updated_at, 20, 1) = '.'
                THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000', 1, 6)
    || 'Z';
UPDATE events SET updated_at =
    substr(updated_at, 1, 19) || '.' ||
    substr(CASE WHEN substr(updated_at, 20, 1) = '.'
                THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END || '000000', 1, 6)
    || 'Z';
