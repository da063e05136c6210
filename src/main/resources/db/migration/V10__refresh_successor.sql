-- A rotated refresh token remembers, encrypted (Fernet, GATEHOUSE_ENCRYPTION_KEYS), the successor it
-- was exchanged for while its app grants a retry window: a retry within the window gets that same
-- successor back, so a family never forks into two live branches. Cleared once the retry is used
-- or the window (at most 300 s) has passed.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed text;
CREATE INDEX refresh_tokens_successor_sealed ON refresh_tokens (rotated_at) WHERE successor_sealed IS NOT NULL;

-- Public apps always rotate refresh tokens (their refresh token is a bearer secret on a device, and
-- rotation is what detects its theft); none may keep rotation off.
UPDATE clients SET refresh_token_rotation = true WHERE NOT confidential AND NOT refresh_token_rotation;
