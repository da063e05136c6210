package gatehouse.clients;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Gatehouse nodes on one database: a change to an app made through one node takes effect on
 * the other at once, although the other keeps apps in memory.
 */
class ClientCacheIT {
    private static TestServer second;
    private static Http nodeB;

    @BeforeAll
    static void startSecondNode() {
        second = TestServer.start(Map.of());
        nodeB = Http.anonymous(second.baseUrl());
    }

    @AfterAll
    static void stopSecondNode() {
        second.close();
    }

    private Fixtures.App serviceApp() {
        String orgId = Fixtures.org(Fixtures.admin());
        return Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of()));
    }

    private int tokenStatusOnB(String basic) {
        return nodeB.postForm("/oauth/token", Http.form("grant_type", "client_credentials"), "Authorization", basic).status();
    }

    @Test
    void secretRotatedOnOneNodeStopsTheOldSecretOnTheOtherNodeAtOnce() {
        Fixtures.App app = serviceApp();
        assertThat(tokenStatusOnB(app.basic())).isEqualTo(200); // node B now holds the app in memory

        var rotated = Fixtures.admin().postJson("/api/v1/oauth/clients/" + app.clientId() + "/secret", Map.of());
        assertThat(rotated.status()).isEqualTo(200);
        String newSecret = rotated.text("client_secret");

        assertThat(Eventually.holdsWithin(Duration.ofSeconds(2), () -> tokenStatusOnB(app.basic()) == 401)).isTrue();
        assertThat(tokenStatusOnB(Http.basic(app.clientId(), newSecret))).isEqualTo(200);
    }

    @Test
    void appDeletedOnOneNodeIsUnknownOnTheOtherNode() {
        Fixtures.App app = serviceApp();
        assertThat(tokenStatusOnB(app.basic())).isEqualTo(200);

        assertThat(Fixtures.admin().delete("/api/v1/oauth/clients/" + app.clientId()).status()).isEqualTo(204);

        assertThat(Eventually.holdsWithin(Duration.ofSeconds(2), () -> tokenStatusOnB(app.basic()) == 401)).isTrue();
    }

    @Test
    void grantTypesChangedOnOneNodeApplyOnTheOtherNode() {
        Fixtures.App app = serviceApp();
        assertThat(tokenStatusOnB(app.basic())).isEqualTo(200);

        var updated = Fixtures.admin().putJson("/api/v1/oauth/clients/" + app.clientId(),
                Map.of("grant_types", List.of("authorization_code"), "redirect_uris", List.of(Fixtures.REDIRECT_URI)));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);

        assertThat(Eventually.holdsWithin(Duration.ofSeconds(2), () -> "unauthorized_client".equals(nodeB.postForm("/oauth/token",
                Http.form("grant_type", "client_credentials"), "Authorization", app.basic()).text("error")))).isTrue();
    }
}
