-- Deliveries of provider webhooks already applied (docs/vault-webhooks.md): a repeated delivery
-- (GitHub's X-GitHub-Delivery, Slack's event_id) is acknowledged and changes nothing.
CREATE TABLE provider_webhook_deliveries (
    provider    text        NOT NULL,
    delivery_id text        NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (provider, delivery_id)
);
CREATE INDEX provider_webhook_deliveries_received ON provider_webhook_deliveries (received_at);
