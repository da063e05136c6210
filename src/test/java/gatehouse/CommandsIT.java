package gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code java -jar gatehouse.jar rotate-signing-keys}, run against the running server's database. */
class CommandsIT {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(List<String> args) throws Exception {
        TestServer.get();
        Map<String, String> env = Map.of("GATEHOUSE_DATABASE_URL", TestDatabase.url(),
                "GATEHOUSE_ENCRYPTION_KEYS", TestServer.ENCRYPTION_KEY,
                "GATEHOUSE_DATA_DIR", Files.createTempDirectory("gatehouse-command").toString(),
                "GATEHOUSE_DATABASE_POOL_SIZE", "2");
        return Commands.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void rotateSigningKeysWhenRunThenExitsZeroAndTheRunningServerSignsWithTheNewKeySoon() throws Exception {
        Fixtures.Tenant tenant = Fixtures.tenant("cmd");
        Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "access_token_format", "jwt"));
        String before = kidOf(token(app));

        assertThat(run(List.of("rotate-signing-keys"))).as(err.toString(StandardCharsets.UTF_8)).isZero();

        Set<String> current = currentKids();
        assertThat(current).doesNotContain(before).isNotEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("rotated").contains(current.iterator().next());
        // The server re-reads its current key every few seconds; meanwhile the old key stays published.
        long deadline = System.nanoTime() + 15_000_000_000L;
        String kid = before;
        while (!current.contains(kid) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            kid = kidOf(token(app));
        }
        assertThat(current).contains(kid);
        String jwks = Http.anonymous().get("/oauth/jwks").body();
        assertThat(jwks).contains(before).contains(kid);
    }

    @Test
    void runWhenCommandUnknownThenUsageAndExitTwo() throws Exception {
        assertThat(run(List.of("make-coffee"))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage").contains("rotate-signing-keys");
    }

    private static String token(Fixtures.App app) {
        Http.Response response = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.text("access_token");
    }

    private static String kidOf(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    private static Set<String> currentKids() {
        JsonNode keys = Fixtures.admin().get("/api/v1/admin/signing-keys").json().get("keys");
        Set<String> kids = new HashSet<>();
        keys.forEach(key -> {
            if (key.get("current").asBoolean()) {
                kids.add(key.get("kid").asText());
            }
        });
        return kids;
    }
}
