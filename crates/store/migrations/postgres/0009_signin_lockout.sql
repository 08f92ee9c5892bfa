-- A lockout after failed sign-ins ends by itself: `signin_locked_until` is when, and
-- `signin_lockouts` counts the lockouts since the last successful sign-in, so each one lasts
-- twice as long as the one before (up to the configured cap). `is_locked` stays the
-- administrators' own lock, which only they lift. Existing locks set by failed sign-ins
-- before this migration remain administrators' locks.
ALTER TABLE users ADD COLUMN signin_locked_until BIGINT;
ALTER TABLE users ADD COLUMN signin_lockouts BIGINT NOT NULL DEFAULT 0;
