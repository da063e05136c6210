-- A delivery cancelled because its app was disconnected from the organization stays cancelled for
-- good: it is never redelivered, whatever its last attempt in flight reported afterwards.
ALTER TABLE webhook_deliveries ADD COLUMN cancelled_at timestamptz;

UPDATE webhook_deliveries SET cancelled_at = coalesce(last_attempt_at, created_at)
WHERE status = 'failed' AND last_error = 'the app was disconnected';
