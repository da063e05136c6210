package gatehouse.vault;

import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;

/**
 * {@code POST /webhooks/github} and {@code POST /webhooks/slack} (docs/vault-webhooks.md). Who may
 * call: only the provider, proven by the delivery's signature over its exact bytes (GitHub App
 * webhook secret; Slack signing secret and a timestamp within five minutes). No signature, a wrong
 * one or a stale timestamp is 401; a provider not configured here is 404.
 */
public final class ProviderWebhookRoutes {
    private final ProviderWebhooks webhooks;

    public ProviderWebhookRoutes(ProviderWebhooks webhooks) {
        this.webhooks = webhooks;
    }

    public void github(Context ctx) {
        var outcome = webhooks.github(ctx.header("X-GitHub-Event"), ctx.header("X-GitHub-Delivery"),
                ctx.header("X-Hub-Signature-256"), ctx.bodyAsBytes());
        Responses.ok(ctx, Map.of("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT)));
    }

    /** Slack wants its url_verification challenge back; every other delivery is acknowledged. */
    public void slack(Context ctx) {
        var answer = webhooks.slack(ctx.header("X-Slack-Request-Timestamp"), ctx.header("X-Slack-Signature"),
                ctx.bodyAsBytes());
        if (answer.challenge() != null) {
            Responses.ok(ctx, Map.of("challenge", answer.challenge()));
            return;
        }
        Responses.ok(ctx, Map.of("outcome", answer.outcome().name().toLowerCase(java.util.Locale.ROOT)));
    }
}
