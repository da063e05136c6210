package gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the tests check about OAuth answers, in one place: error answers (RFC 6749 §5.2 shape) and
 * token introspection (RFC 7662) on the shared test server. Use with static imports.
 */
public final class OAuthAssertions {
    private OAuthAssertions() {
    }

    /**
     * The answer has the status and the {@code error} code, and is declared as JSON
     * ({@code Content-Type: application/json}); the body is shown when it does not.
     */
    public static void assertError(Http.Response response, int status, String error) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.text("error")).as(response.body()).isEqualTo(error);
    }

    /** What introspection by {@code caller} says about {@code token}; asserts the call itself succeeded. */
    public static JsonNode introspect(Fixtures.App caller, String token) {
        Http.Response response = Http.anonymous().postForm("/oauth/introspect", Http.form("token", token),
                "Authorization", caller.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    /** {@link #introspect}, asserting the token is active. */
    public static JsonNode introspectActive(Fixtures.App caller, String token) {
        JsonNode introspection = introspect(caller, token);
        assertThat(introspection.get("active").asBoolean()).isTrue();
        return introspection;
    }

    /** Whether introspection by {@code caller} says the token is active. */
    public static boolean isActive(Fixtures.App caller, String token) {
        return introspect(caller, token).get("active").asBoolean();
    }
}
