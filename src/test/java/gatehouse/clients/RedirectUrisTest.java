package gatehouse.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Redirect URI registration rules (docs/http.md, "The management API") and matching (docs/http.md, "Conventions", RFC 8252 §7.3). */
class RedirectUrisTest {

    // --- problemWith ------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "https://app.example.com/cb",
            "https://app.example.com/cb?tenant=1&x=y",
            "https://app.example.com:8443/oauth/callback",
            "https://app.example.com",
            "HTTPS://app.example.com/cb",
            "http://localhost:8080/cb",
            "http://localhost/cb",
            "http://LOCALHOST:3000/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:54321/cb",
            "http://[::1]:9000/cb",
            "http://[::1]/cb"})
    void problemWithWhenAllowedUriThenNull(String uri) {
        assertThat(RedirectUris.problemWith(uri)).isNull();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "/cb",
            "cb",
            "//app.example.com/cb",
            "app.example.com/cb",
            "https:///cb",
            "https:/cb"})
    void problemWithWhenRelativeOrHostlessThenRefused(String uri) {
        assertThat(RedirectUris.problemWith(uri)).isNotBlank();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "https://app.example.com/cb#frag",
            "https://app.example.com/cb#",
            "http://127.0.0.1/cb#x"})
    void problemWithWhenFragmentThenRefused(String uri) {
        assertThat(RedirectUris.problemWith(uri)).isNotBlank();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "http://app.example.com/cb",
            "http://localhost.evil.com/cb",
            "http://127.0.0.1.nip.io/cb",
            "http://10.0.0.1/cb",
            "http://192.168.1.10:8080/cb"})
    void problemWithWhenHttpNonLoopbackThenRefused(String uri) {
        assertThat(RedirectUris.problemWith(uri)).isNotBlank();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "javascript:alert(1)",
            "javascript://app.example.com/%0aalert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "com.example.app:/oauth2redirect",
            "myapp://callback",
            "ftp://app.example.com/cb",
            "ws://localhost/cb"})
    void problemWithWhenOtherSchemeThenRefused(String uri) {
        assertThat(RedirectUris.problemWith(uri)).isNotBlank();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "https://user:pass@app.example.com/cb",
            "https://user@app.example.com/cb",
            "http://evil@127.0.0.1/cb"})
    void problemWithWhenUserInfoThenRefused(String uri) {
        assertThat(RedirectUris.problemWith(uri)).isNotBlank();
    }

    @Test
    void problemWithWhenEmptyBlankOrNullThenRefused() {
        assertThat(RedirectUris.problemWith("")).isNotBlank();
        assertThat(RedirectUris.problemWith("   ")).isNotBlank();
        assertThat(RedirectUris.problemWith(null)).isNotBlank();
    }

    @Test
    void problemWithWhenNotAUriThenRefused() {
        assertThat(RedirectUris.problemWith("https://app.example.com/a b")).isNotBlank();
        assertThat(RedirectUris.problemWith("https://app.example.com/\u0000")).isNotBlank();
        assertThat(RedirectUris.problemWith("https://app.example.com/%zz")).isNotBlank();
    }

    @Test
    void problemWithWhenLongerThan2000CharactersThenRefused() {
        String base = "https://app.example.com/";
        String atLimit = base + "a".repeat(2000 - base.length());
        String overLimit = atLimit + "a";

        assertThat(atLimit).hasSize(2000);
        assertThat(RedirectUris.problemWith(atLimit)).isNull();
        assertThat(RedirectUris.problemWith(overLimit)).isNotBlank();
    }

    // --- matches: confidential apps match exactly -------------------------------------------------

    @Test
    void matchesWhenConfidentialAndExactThenTrue() {
        Client app = TestClient.confidential().redirectUris("https://app.example.com/cb", "https://app.example.com/other").build();

        assertThat(RedirectUris.matches(app, "https://app.example.com/cb")).isTrue();
        assertThat(RedirectUris.matches(app, "https://app.example.com/other")).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "https://app.example.com/cb/",
            "https://app.example.com/CB",
            "https://APP.example.com/cb",
            "HTTPS://app.example.com/cb",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/cb?",
            "https://app.example.com/cb#",
            "https://app.example.com:443/cb",
            "https://app.example.com/cb/../cb",
            "https://app.example.com/%63b",
            "http://app.example.com/cb",
            "https://app.example.com.evil.com/cb",
            "https://app.example.com/c",
            ""})
    void matchesWhenConfidentialAndNotExactThenFalse(String requested) {
        Client app = TestClient.confidential().redirectUris("https://app.example.com/cb").build();

        assertThat(RedirectUris.matches(app, requested)).isFalse();
    }

    @Test
    void matchesWhenConfidentialWithLoopbackIpAndOtherPortThenFalse() {
        Client app = TestClient.confidential().redirectUris("http://127.0.0.1/cb", "http://[::1]/cb").build();

        assertThat(RedirectUris.matches(app, "http://127.0.0.1/cb")).isTrue();
        assertThat(RedirectUris.matches(app, "http://127.0.0.1:54321/cb")).isFalse();
        assertThat(RedirectUris.matches(app, "http://[::1]:54321/cb")).isFalse();
    }

    @Test
    void matchesWhenRequestedNullThenFalse() {
        assertThat(RedirectUris.matches(TestClient.confidential().build(), null)).isFalse();
        assertThat(RedirectUris.matches(TestClient.publicApp().redirectUris("http://127.0.0.1/cb").build(), null)).isFalse();
    }

    @Test
    void matchesWhenNoRegisteredUrisThenFalse() {
        Client app = TestClient.publicApp().redirectUris().build();

        assertThat(RedirectUris.matches(app, "http://127.0.0.1:5000/cb")).isFalse();
    }

    // --- matches: public apps, loopback IP literals with any port (RFC 8252 §7.3) -----------------

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "http://127.0.0.1/cb",
            "http://127.0.0.1:54321/cb",
            "http://127.0.0.1:1/cb",
            "http://127.0.0.1:65535/cb",
            "http://127.0.0.1:80/cb"})
    void matchesWhenPublicAndRegisteredIpv4LoopbackThenAnyPortMatches(String requested) {
        Client app = TestClient.publicApp().redirectUris("http://127.0.0.1/cb").build();

        assertThat(RedirectUris.matches(app, requested)).isTrue();
    }

    @Test
    void matchesWhenPublicAndRegisteredLoopbackHasPortThenOtherPortMatches() {
        Client app = TestClient.publicApp().redirectUris("http://127.0.0.1:8080/cb").build();

        assertThat(RedirectUris.matches(app, "http://127.0.0.1:9090/cb")).isTrue();
        assertThat(RedirectUris.matches(app, "http://127.0.0.1/cb")).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"http://[::1]/cb", "http://[::1]:9000/cb", "http://[::1]:54321/cb"})
    void matchesWhenPublicAndRegisteredIpv6LoopbackThenAnyPortMatches(String requested) {
        Client app = TestClient.publicApp().redirectUris("http://[::1]/cb").build();

        assertThat(RedirectUris.matches(app, requested)).isTrue();
    }

    @Test
    void matchesWhenPublicAndRegisteredLoopbackHasQueryThenSameQueryAnyPortMatches() {
        Client app = TestClient.publicApp().redirectUris("http://127.0.0.1/cb?mode=cli").build();

        assertThat(RedirectUris.matches(app, "http://127.0.0.1:4000/cb?mode=cli")).isTrue();
        assertThat(RedirectUris.matches(app, "http://127.0.0.1:4000/cb?mode=gui")).isFalse();
        assertThat(RedirectUris.matches(app, "http://127.0.0.1:4000/cb")).isFalse();
        assertThat(RedirectUris.matches(app, "http://127.0.0.1:4000/cb?mode=cli&x=1")).isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "http://127.0.0.1:54321/other",
            "http://127.0.0.1:54321/cb/",
            "http://127.0.0.1:54321/CB",
            "http://127.0.0.1:54321/",
            "http://127.0.0.1:54321",
            "http://127.0.0.1:54321/cb?x=1",
            "http://127.0.0.1:54321/cb#frag",
            "http://evil@127.0.0.1:54321/cb",
            "http://127.0.0.2:54321/cb",
            "http://[::1]:54321/cb",
            "http://localhost:54321/cb",
            "https://127.0.0.1:54321/cb",
            "http://127.0.0.1.evil.com:54321/cb",
            "http://127.000.000.001:54321/cb"})
    void matchesWhenPublicAndRequestDiffersBeyondPortThenFalse(String requested) {
        Client app = TestClient.publicApp().redirectUris("http://127.0.0.1/cb").build();

        assertThat(RedirectUris.matches(app, requested)).isFalse();
    }

    @Test
    void matchesWhenPublicAndRegisteredLocalhostByNameThenPortMustBeExact() {
        Client app = TestClient.publicApp().redirectUris("http://localhost/cb", "http://localhost:3000/cb").build();

        assertThat(RedirectUris.matches(app, "http://localhost/cb")).isTrue();
        assertThat(RedirectUris.matches(app, "http://localhost:3000/cb")).isTrue();
        assertThat(RedirectUris.matches(app, "http://localhost:3001/cb")).isFalse();
        assertThat(RedirectUris.matches(app, "http://localhost:54321/cb")).isFalse();
        assertThat(RedirectUris.matches(app, "http://127.0.0.1:3000/cb")).isFalse();
    }

    @Test
    void matchesWhenPublicAndRegisteredHttpsThenExactOnly() {
        Client app = TestClient.publicApp().redirectUris("https://app.example.com/cb").build();

        assertThat(RedirectUris.matches(app, "https://app.example.com/cb")).isTrue();
        assertThat(RedirectUris.matches(app, "https://app.example.com:8443/cb")).isFalse();
    }

    @Test
    void matchesWhenPublicWithSeveralUrisThenLoopbackRuleAppliesPerUri() {
        Client app = TestClient.publicApp().redirectUris("https://app.example.com/cb", "http://[::1]/native").build();

        assertThat(RedirectUris.matches(app, "http://[::1]:7000/native")).isTrue();
        assertThat(RedirectUris.matches(app, "http://[::1]:7000/cb")).isFalse();
        assertThat(RedirectUris.matches(app, "http://127.0.0.1:7000/native")).isFalse();
    }

    // --- fixture ----------------------------------------------------------------------------------

    /** A Client with sensible defaults; tweak only what a test is about. */
    static final class TestClient {
        private boolean confidential;
        private List<String> redirectUris = List.of("https://app.example.com/cb");

        static TestClient confidential() {
            var builder = new TestClient();
            builder.confidential = true;
            return builder;
        }

        static TestClient publicApp() {
            var builder = new TestClient();
            builder.confidential = false;
            return builder;
        }

        TestClient redirectUris(String... uris) {
            this.redirectUris = List.of(uris);
            return this;
        }

        Client build() {
            Instant now = Instant.parse("2026-01-01T00:00:00Z");
            return new Client(
                    "foapp_" + "A".repeat(24),
                    UUID.randomUUID(),
                    confidential ? new byte[32] : null,
                    null,
                    null,
                    "Test app",
                    null,
                    null,
                    UUID.randomUUID(),
                    new ArrayList<>(redirectUris),
                    List.of(),
                    List.of(Client.AUTHORIZATION_CODE, Client.REFRESH_TOKEN),
                    List.of("read"),
                    List.of(),
                    List.of("read"),
                    List.of(),
                    confidential,
                    List.of("self"),
                    "opaque",
                    "ES256",
                    "at+jwt",
                    null,
                    3600,
                    true,
                    0,
                    null,
                    null,
                    List.of(),
                    false,
                    false,
                    false,
                    Client.Authentication.SECRET,
                    null,
                    Client.Vault.NONE,
                    UUID.randomUUID(),
                    now,
                    now);
        }
    }
}
