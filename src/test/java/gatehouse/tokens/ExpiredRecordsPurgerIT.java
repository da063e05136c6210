package gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.secrets.TokenCodec;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ExpiredRecordsPurgerIT {
    private final Http api = Http.anonymous();

    private long rowsWithHash(String token) {
        return TestServer.get().app().database().withHandle(handle -> handle
                .createQuery("SELECT count(*) FROM access_tokens WHERE token_hash = :hash")
                .bind("hash", TokenCodec.hash(token)).mapTo(Long.class).one());
    }

    @Test
    void purgeWhenTokensLongExpiredThenTheirRowsAreDeletedAndLiveOnesKept() {
        String orgId = Fixtures.org(Fixtures.admin());
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "access_token_ttl", 60));
        String token = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic()).text("access_token");
        var database = TestServer.get().app().database();

        int nothingYet = new ExpiredRecordsPurger(database, Clock.systemUTC()).purge();
        assertThat(nothingYet).isGreaterThanOrEqualTo(0);
        assertThat(rowsWithHash(token)).isEqualTo(1);

        // Two days later the 60-second token is more than a day past its expiry.
        var later = new ExpiredRecordsPurger(database, Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
        assertThat(later.purge()).isGreaterThanOrEqualTo(1);
        assertThat(rowsWithHash(token)).isZero();

        String fresh = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic()).text("access_token");
        new ExpiredRecordsPurger(database, Clock.systemUTC()).purge();
        assertThat(rowsWithHash(fresh)).isEqualTo(1);
    }

    @Test
    void purgeWhenTheGraceWindowIsOverThenTheSuccessorKeptForARetryIsForgotten() {
        Fixtures.Tenant tenant = Fixtures.tenant("purge");
        Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
                "refresh_token_grace_seconds", 300));
        String r0 = app.exchange(new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope()))
                .get("refresh_token").asText();
        Http.Response rotated = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token", r0),
                "Authorization", app.basic());
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        var database = TestServer.get().app().database();
        Supplier<String> kept = () -> database.withHandle(handle -> handle
                .createQuery("SELECT successor_sealed FROM refresh_tokens WHERE token_hash = :hash")
                .bind("hash", TokenCodec.hash(r0)).mapTo(String.class).one());
        assertThat(kept.get()).as("kept encrypted, never in plain text").isNotNull()
                .doesNotContain(rotated.text("refresh_token"));

        new ExpiredRecordsPurger(database, Clock.systemUTC()).purge();
        assertThat(kept.get()).as("still within the window").isNotNull();
        new ExpiredRecordsPurger(database, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(301))).purge();
        assertThat(kept.get()).isNull();
    }
}
