package gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.RawHttp;
import gatehouse.testing.TestServer;
import gatehouse.web.Json;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/http.md, "Conventions": malformed input of any kind gets a 4xx with the error body, never a 500, never a 2xx,
 * never a stack trace. One row per malformed request, sent to the real server.
 */
class MalformedRequestsIT {
    /** Every error code of docs/http.md, "Conventions". */
    private static final Set<String> CONTRACT_CODES = Set.of("invalid_request", "invalid_grant", "unauthorized_client",
            "unsupported_grant_type", "invalid_scope", "unsupported_token_type", "invalid_redirect_uri",
            "validation_failed", "invalid_client", "invalid_token", "unauthenticated", "insufficient_scope", "forbidden",
            "not_found", "conflict", "reauthorization_required", "payload_too_large", "unsupported_media_type",
            "rate_limit_exceeded", "provider_unavailable", "temporarily_unavailable",
            // RFC 9126 §2.3: /oauth/par answers a bad request with the authorization endpoint's codes.
            "unsupported_response_type",
            // RFC 9449 §5, §8: DPoP's own codes at the token endpoint and at resources.
            "invalid_dpop_proof", "use_dpop_nonce",
            // RFC 7591 §3.2.2: what dynamic registration answers bad metadata with.
            "invalid_client_metadata");
    private static final String BASIC_CHALLENGE = "Basic realm=\"gatehouse\"";
    private static final String BEARER_CHALLENGE = "Bearer error=\"invalid_token\"";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String JSON = "application/json";
    /** In {@link Case#status}: docs/http.md names no status, any 4xx will do. */
    private static final int ANY_4XX = 0;
    private static final int OVER_64_KIB = 64 * 1024 + 4096;

    /** How the error must come back: the JSON error body, or the HTML error page (never a redirect). */
    enum Shape { JSON, HTML }

    /**
     * One malformed request and what must come back: {@code status} (or {@link #ANY_4XX}), and for
     * JSON the exact {@code error} code (null: any code of docs/http.md, "Conventions") and WWW-Authenticate challenge.
     */
    record Case(String name, Supplier<Http.Response> request, int status, String error, Shape shape, String challenge) {
        Case withChallenge(String expected) {
            return new Case(name, request, status, error, shape, expected);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Case json(String name, int status, String error, Supplier<Http.Response> request) {
        return new Case(name, request, status, error, Shape.JSON, null);
    }

    private static Case html(String name, Supplier<Http.Response> request) {
        return new Case(name, request, 400, null, Shape.HTML, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void malformedRequestGetsAClientErrorInTheContractShape(Case c) {
        Http.Response response = c.request().get();

        assertThat(response.status()).as("status of %s: %s", c.name(), response).isBetween(400, 499);
        if (c.status() != ANY_4XX) {
            assertThat(response.status()).as("status of %s: %s", c.name(), response).isEqualTo(c.status());
        }
        assertThat(response.header("X-Request-Id")).as("X-Request-Id of %s: %s", c.name(), response).isNotBlank();
        assertThat(response.body()).as("no stack trace in %s", c.name()).doesNotContain("\tat ").doesNotContain("Exception");
        if (c.shape() == Shape.HTML) {
            assertThat(response.header("Content-Type")).as("content type: %s", response).startsWith("text/html");
            assertThat(response.location()).as("an HTML error page, not a redirect").isNull();
            return;
        }
        assertThat(response.header("Content-Type")).as("content type: %s", response).startsWith(JSON);
        JsonNode error = response.json().get("error");
        assertThat(error).as("error member of %s", response.body()).isNotNull();
        assertThat(error.isTextual()).as("error is a string: %s", response.body()).isTrue();
        assertThat(error.asText()).as("error code").isIn(CONTRACT_CODES);
        if (c.error() != null) {
            assertThat(error.asText()).as("error code of %s", response.body()).isEqualTo(c.error());
        }
        if (c.challenge() != null) {
            assertThat(response.header("WWW-Authenticate")).as("WWW-Authenticate").isEqualTo(c.challenge());
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.addAll(jsonSyntaxAndTypes());
        cases.addAll(unknownEnumsAndMissingFields());
        cases.addAll(redirectUris());
        cases.addAll(contentTypes());
        cases.addAll(oversizedBodies());
        cases.addAll(tokenEndpoint());
        cases.addAll(percentEncoding());
        cases.addAll(duplicatedParameters());
        cases.addAll(clientAuthentication());
        cases.addAll(bearerTokens());
        cases.addAll(pagination());
        cases.addAll(pathsAndIds());
        cases.addAll(authorizeEndpoint());
        cases.addAll(csrf());
        cases.addAll(openIdAndPushedRequests());
        return cases.stream();
    }

    // ---- JSON bodies -------------------------------------------------------------------------------

    private static List<Case> jsonSyntaxAndTypes() {
        return List.of(
                json("json: malformed object", 400, null, () -> postClient("{\"name\": ")),
                json("json: trailing garbage", 400, null, () -> postClient("{\"name\": \"x\"} trailing")),
                json("json: duplicate key", 400, null, () -> postClient("{\"name\": \"a\", \"name\": \"b\"}")),
                json("json: empty body", 400, null, () -> postClient("")),
                json("json: top level array", 400, "validation_failed", () -> postClient("[]")),
                json("json: top level number", 400, "validation_failed", () -> postClient("42")),
                json("json: top level string", 400, "validation_failed", () -> postClient("\"an app\"")),
                json("json: top level null", 400, null, () -> postClient("null")),
                json("json: nesting 5000 deep", 400, null,
                        () -> postClient("{\"name\": " + "[".repeat(5000) + "]".repeat(5000) + "}")),
                json("json: invalid UTF-8 bytes", 400, null, () -> RawHttp.send("POST", "/api/v1/users",
                        bytes("{\"username\": \"", new byte[] {(byte) 0xff, (byte) 0xfe}, "\", \"password\": \"x\"}"), false,
                        "Content-Type", JSON)),
                json("type: number for name", 400, "validation_failed", () -> postClient(app(Map.of("name", 42)))),
                json("type: string for confidential", 400, "validation_failed",
                        () -> postClient(app(Map.of("confidential", "true")))),
                json("type: object for redirect_uris", 400, "validation_failed",
                        () -> postClient(app(Map.of("redirect_uris", Map.of("uri", Fixtures.REDIRECT_URI))))),
                json("type: number inside redirect_uris", 400, "validation_failed",
                        () -> postClient(app(Map.of("redirect_uris", List.of(1))))),
                json("type: string for access_token_ttl", 400, "validation_failed",
                        () -> postClient(app(Map.of("access_token_ttl", "3600")))),
                json("type: fraction for access_token_ttl", 400, "validation_failed",
                        () -> postClient(app(Map.of("access_token_ttl", 3600.5)))),
                json("type: huge number for access_token_ttl", 400, "validation_failed",
                        () -> postClient(app(Map.of("access_token_ttl", new BigInteger("9".repeat(40)))))),
                json("type: array for org name", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/orgs", Map.of("name", List.of("a")))),
                json("type: number for username at registration", 400, "validation_failed",
                        () -> Http.anonymous().postJson("/api/v1/users", Map.of("username", 7, "password", "long-enough-pw-1"))),
                json("type: string for scope restricted", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/oauth/scopes",
                                Map.of("name", Fixtures.unique("s"), "restricted", "yes"))),
                json("type: string for grace_seconds at secret rotation", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/oauth/clients/" + World.get().confidential.clientId()
                                + "/secret", Map.of("grace_seconds", "60"))),
                json("oversized: app name of 10k characters", 400, "validation_failed",
                        () -> postClient(app(Map.of("name", "n".repeat(10_000))))),
                json("oversized: 1000 redirect URIs", 400, "validation_failed",
                        () -> postClient(app(Map.of("redirect_uris", IntStream.range(0, 1000)
                                .mapToObj(i -> "https://app.example.test/cb" + i).toList())))),
                json("oversized: password of 10k characters", 400, "validation_failed",
                        () -> Http.anonymous().postJson("/api/v1/users", Map.of("username",
                                Fixtures.unique("u") + "@example.test", "password", "p".repeat(10_000), "name", "U"))),
                json("NUL character in app name", 400, "validation_failed",
                        () -> postClient(app(Map.of("name", "bad\u0000name")))),
                json("bad UUID in body: owner_org_id", 400, "validation_failed",
                        () -> postClient(app(Map.of("owner_org_id", "not-a-uuid")))));
    }

    private static List<Case> unknownEnumsAndMissingFields() {
        return List.of(
                json("enum: grant_types [implicit]", 400, "validation_failed",
                        () -> postClient(app(Map.of("grant_types", List.of("implicit"))))),
                json("enum: actor_modes [robot]", 400, "validation_failed",
                        () -> postClient(app(Map.of("actor_modes", List.of("robot"))))),
                json("enum: access_token_format xml", 400, "validation_failed",
                        () -> postClient(app(Map.of("access_token_format", "xml")))),
                json("enum: member role king", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/orgs/" + World.get().orgId + "/members",
                                Map.of("username", World.get().user.username(), "role", "king"))),
                json("enum: user roles [king]", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/users", Map.of("username",
                                Fixtures.unique("u") + "@example.test", "password", "long-enough-pw-2", "name", "U",
                                "roles", List.of("king")))),
                json("missing: app name", 400, "validation_failed", () -> postClient(app(Map.of())
                        .entrySet().stream().filter(e -> !e.getKey().equals("name"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)))),
                json("missing: org name", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/orgs", Map.of())),
                json("missing: scope name", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/oauth/scopes", Map.of("description", "d"))),
                json("missing: username at registration", 400, "validation_failed",
                        () -> Http.anonymous().postJson("/api/v1/users", Map.of("password", "long-enough-pw-3"))),
                json("missing: member role", 400, "validation_failed",
                        () -> World.get().admin.postJson("/api/v1/orgs/" + World.get().orgId + "/members",
                                Map.of("username", World.get().user.username()))));
    }

    private static List<Case> redirectUris() {
        return List.of(
                json("redirect URI: relative", 400, null, () -> postClient(app(Map.of("redirect_uris", List.of("/callback"))))),
                json("redirect URI: fragment", 400, null,
                        () -> postClient(app(Map.of("redirect_uris", List.of("https://app.example.test/cb#frag"))))),
                json("redirect URI: http non-loopback", 400, null,
                        () -> postClient(app(Map.of("redirect_uris", List.of("http://app.example.test/cb"))))),
                json("redirect URI: javascript scheme", 400, null,
                        () -> postClient(app(Map.of("redirect_uris", List.of("javascript:alert(1)"))))),
                json("redirect URI: not a URI", 400, null,
                        () -> postClient(app(Map.of("redirect_uris", List.of("https://exa mple.test/ cb"))))));
    }

    // ---- media types and sizes ---------------------------------------------------------------------

    private static List<Case> contentTypes() {
        String form = Http.form("grant_type", "client_credentials");
        return List.of(
                json("media type: text/plain at app registration", 415, "unsupported_media_type",
                        () -> World.get().admin.send("POST", "/api/v1/oauth/clients", "text/plain",
                                Json.writeString(app(Map.of())))),
                json("media type: form at org creation", 415, "unsupported_media_type",
                        () -> World.get().admin.send("POST", "/api/v1/orgs", FORM, "name=x")),
                json("media type: none at JSON login", 415, "unsupported_media_type",
                        () -> RawHttp.send("POST", "/api/v1/auth/login", "{\"username\":\"a\",\"password\":\"b\"}"
                                .getBytes(StandardCharsets.UTF_8), false)),
                json("media type: json-patch at user registration", 415, "unsupported_media_type",
                        () -> Http.anonymous().send("POST", "/api/v1/users", "application/json-patch+json", "{}")),
                json("media type: text/plain at scope update", 415, "unsupported_media_type",
                        () -> World.get().admin.send("PUT", "/api/v1/oauth/scopes/" + UUID.randomUUID(), "text/plain", "{}")),
                json("media type: JSON at token endpoint", 400, "invalid_request",
                        () -> World.get().api.send("POST", "/oauth/token", JSON, "{\"grant_type\":\"client_credentials\"}",
                                "Authorization", World.get().confidential.basic())),
                json("media type: JSON at token alias", 400, "invalid_request",
                        () -> World.get().api.send("POST", "/api/v1/oauth/tokens", JSON, "{\"grant_type\":\"client_credentials\"}",
                                "Authorization", World.get().confidential.basic())),
                json("media type: text/plain at introspection", 400, "invalid_request",
                        () -> World.get().api.send("POST", "/oauth/introspect", "text/plain", "token=x",
                                "Authorization", World.get().confidential.basic())),
                json("media type: multipart at revocation", 400, "invalid_request",
                        () -> World.get().api.send("POST", "/oauth/revoke", "multipart/form-data; boundary=b",
                                "--b\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nx\r\n--b--\r\n",
                                "Authorization", World.get().confidential.basic())),
                json("media type: none at token endpoint", 400, "invalid_request",
                        () -> RawHttp.send("POST", "/oauth/token", form.getBytes(StandardCharsets.UTF_8), false,
                                "Authorization", World.get().confidential.basic())),
                html("media type: JSON at the HTML login form",
                        () -> Http.anonymous().send("POST", "/login", JSON, "{\"username\":\"a\",\"password\":\"b\"}")),
                html("media type: JSON at the consent form",
                        () -> World.get().userSession.send("POST", "/oauth/authorize", JSON, "{\"confirm\":\"yes\"}")),
                html("media type: JSON at the device code form",
                        () -> World.get().userSession.send("POST", "/device", JSON, "{\"user_code\":\"BBBB-BBBB\"}")));
    }

    private static List<Case> oversizedBodies() {
        byte[] bigJson = ("{\"username\": \"" + "u".repeat(OVER_64_KIB) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] bigForm = ("grant_type=client_credentials&scope=" + "s".repeat(OVER_64_KIB)).getBytes(StandardCharsets.UTF_8);
        return List.of(
                json("64 KiB: JSON app with Content-Length", 413, "payload_too_large",
                        () -> postClient(app(Map.of("description", "d".repeat(OVER_64_KIB))))),
                json("64 KiB: JSON registration, chunked", 413, "payload_too_large",
                        () -> RawHttp.send("POST", "/api/v1/users", bigJson, true, "Content-Type", JSON)),
                json("64 KiB: JSON app as admin, chunked", 413, "payload_too_large",
                        () -> RawHttp.send("POST", "/api/v1/oauth/clients", bigJson, true, World.get().adminRaw.headers(JSON))),
                json("64 KiB: token form with Content-Length", 413, "payload_too_large",
                        () -> World.get().api.postForm("/oauth/token", new String(bigForm, StandardCharsets.UTF_8),
                                "Authorization", World.get().confidential.basic())),
                json("64 KiB: token form, chunked", 413, "payload_too_large",
                        () -> RawHttp.send("POST", "/oauth/token", bigForm, true, "Content-Type", FORM,
                                "Authorization", World.get().confidential.basic())),
                json("64 KiB: introspection form with Content-Length", 413, "payload_too_large",
                        () -> World.get().api.postForm("/oauth/introspect", "token=" + "t".repeat(OVER_64_KIB),
                                "Authorization", World.get().confidential.basic())));
    }

    // ---- OAuth endpoints ---------------------------------------------------------------------------

    private static List<Case> tokenEndpoint() {
        return List.of(
                json("token: missing grant_type", 400, "invalid_request",
                        () -> token(Http.form("scope", ""), World.get().confidential.basic())),
                json("token: empty body", 400, "invalid_request", () -> token("", World.get().confidential.basic())),
                json("token: unknown grant_type", 400, "unsupported_grant_type",
                        () -> token(Http.form("grant_type", "implicit"), World.get().confidential.basic())),
                json("token: grant_type as URN of another spec", 400, "unsupported_grant_type",
                        () -> token(Http.form("grant_type", "urn:ietf:params:oauth:grant-type:saml2-bearer"),
                                World.get().confidential.basic())),
                json("token: device_code for an app not registered for it", 400, "unauthorized_client",
                        () -> token(Http.form("grant_type", "urn:ietf:params:oauth:grant-type:device_code",
                                "device_code", "x"), World.get().confidential.basic())),
                json("token: DPoP header that is no JWT", 400, "invalid_dpop_proof",
                        () -> World.get().api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                                "Authorization", World.get().confidential.basic(), "DPoP", "x.y.z")),
                json("token: DPoP header of 20k characters", ANY_4XX, null,
                        () -> World.get().api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                                "Authorization", World.get().confidential.basic(), "DPoP", "e".repeat(20_000))),
                json("token info: DPoP scheme without a token", 401, "invalid_token",
                        () -> World.get().api.get("/oauth/token/info", "Authorization", "DPoP ")),
                json("token info: DPoP scheme with an unknown token", 401, "invalid_token",
                        () -> World.get().api.get("/oauth/token/info", "Authorization", "DPoP foot_x", "DPoP", "a.b.c")),
                json("register: no initial access token", 401, "invalid_token",
                        () -> World.get().api.postJson("/oauth/register", Map.of("client_name", "x"))),
                json("register: JSON array", 400, "invalid_client_metadata",
                        () -> World.get().api.send("POST", "/oauth/register", JSON, "[]")),
                json("register: a basic header", 401, "invalid_token",
                        () -> World.get().api.postJson("/oauth/register", Map.of(), "Authorization",
                                World.get().confidential.basic())),
                json("registration: unknown app", 401, "invalid_token",
                        () -> World.get().api.get("/oauth/register/fooapp_nobody", "Authorization", "Bearer forat_x")),
                json("device authorization: an app not registered for the grant", 400, "unauthorized_client",
                        () -> World.get().api.postForm("/oauth/device_authorization", "",
                                "Authorization", World.get().confidential.basic())),
                json("device authorization: scope repeated", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/device_authorization",
                                Http.form("scope", "a", "scope", "b"), "Authorization", World.get().confidential.basic())),
                json("token: parameter of 10k characters", 400, null,
                        () -> token(Http.form("grant_type", "authorization_code", "code", "c".repeat(10_000)),
                                World.get().confidential.basic())),
                json("token: 150 parameters", 400, null,
                        () -> token(IntStream.range(0, 150).mapToObj(i -> "p" + i + "=v").collect(Collectors.joining("&"))
                                + "&grant_type=client_credentials", World.get().confidential.basic())),
                json("token: organization_id not a UUID", 400, null,
                        () -> token(Http.form("grant_type", "client_credentials", "organization_id", "not-a-uuid"),
                                World.get().confidential.basic())),
                json("introspect: missing token", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/introspect", "", "Authorization", World.get().confidential.basic())),
                json("revoke: missing token", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/revoke", "token_type_hint=access_token",
                                "Authorization", World.get().confidential.basic())));
    }

    private static List<Case> percentEncoding() {
        return List.of(
                json("percent: %zz in token form", 400, "invalid_request",
                        () -> token("grant_type=client_credentials&scope=%zz", World.get().confidential.basic())),
                json("percent: truncated UTF-8 %E0%A4 in token form", 400, "invalid_request",
                        () -> token("grant_type=client_credentials&scope=%E0%A4", World.get().confidential.basic())),
                json("percent: dangling % in introspection form", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/introspect", "token=abc%", "Authorization",
                                World.get().confidential.basic())),
                json("percent: %zz in parameter name at revocation", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/revoke", "to%zzken=x", "Authorization", World.get().confidential.basic())),
                json("percent: raw non-ASCII byte in token form", 400, "invalid_request",
                        () -> RawHttp.send("POST", "/oauth/token",
                                bytes("grant_type=client_credentials&scope=", new byte[] {(byte) 0xe9}, ""),
                                false, "Content-Type", FORM, "Authorization", World.get().confidential.basic())),
                json("percent: %zz in query (limit)", 400, null,
                        () -> RawHttp.send("GET", "/api/v1/oauth/clients?limit=%zz", World.get().adminRaw.headers(null))),
                json("percent: %E0%A4 in query (cursor)", 400, null,
                        () -> RawHttp.send("GET", "/api/v1/orgs?cursor=%E0%A4", World.get().adminRaw.headers(null))),
                json("percent: %zz in query of a management list", 400, null,
                        () -> RawHttp.send("GET", "/api/v1/oauth/scopes?limit=%zz", World.get().adminRaw.headers(null))),
                json("percent: %zz in path", ANY_4XX, null,
                        () -> RawHttp.send("GET", "/api/v1/orgs/%zz", World.get().adminRaw.headers(null))),
                html("percent: %zz in authorize query",
                        () -> RawHttp.send("GET", "/oauth/authorize?response_type=code&client_id=%zz")),
                html("percent: %E0%A4 in authorize query",
                        () -> RawHttp.send("GET", "/oauth/authorize?response_type=code&client_id="
                                + World.get().confidential.clientId() + "&state=%E0%A4")));
    }

    private static List<Case> duplicatedParameters() {
        return List.of(
                json("duplicate: grant_type at token", 400, "invalid_request",
                        () -> token("grant_type=client_credentials&grant_type=client_credentials",
                                World.get().confidential.basic())),
                json("duplicate: scope at token", 400, "invalid_request",
                        () -> token("grant_type=client_credentials&scope=a&scope=b", World.get().confidential.basic())),
                json("duplicate: client_id at token (post auth)", 400, "invalid_request",
                        () -> token(Http.form("grant_type", "client_credentials", "client_id", World.get().confidential.clientId(),
                                "client_id", World.get().confidential.clientId(), "client_secret",
                                World.get().confidential.secret()), null)),
                json("duplicate: token at introspection", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/introspect", "token=a&token=b",
                                "Authorization", World.get().confidential.basic())),
                json("duplicate: token at introspection alias", 400, "invalid_request",
                        () -> World.get().api.postForm("/api/v1/oauth/introspect", "token=a&token=b",
                                "Authorization", World.get().confidential.basic())),
                json("duplicate: token at revocation", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/revoke", "token=a&token=b",
                                "Authorization", World.get().confidential.basic())),
                json("duplicate: token_type_hint at revocation alias", 400, "invalid_request",
                        () -> World.get().api.postForm("/api/v1/oauth/tokens/revoke",
                                "token=a&token_type_hint=access_token&token_type_hint=refresh_token",
                                "Authorization", World.get().confidential.basic())));
    }

    private static List<Case> clientAuthentication() {
        String form = Http.form("grant_type", "client_credentials");
        return List.of(
                json("client auth: wrong secret (Basic)", 401, "invalid_client",
                        () -> token(form, Http.basic(World.get().confidential.clientId(), World.get().otherSecret)))
                        .withChallenge(BASIC_CHALLENGE),
                json("client auth: secret with bad checksum (Basic)", 401, "invalid_client",
                        () -> token(form, Http.basic(World.get().confidential.clientId(),
                                badChecksum(World.get().confidential.secret())))).withChallenge(BASIC_CHALLENGE),
                json("client auth: unknown client (Basic)", 401, "invalid_client",
                        () -> token(form, Http.basic("foapp_000000000000000000000000", World.get().confidential.secret())))
                        .withChallenge(BASIC_CHALLENGE),
                json("client auth: Basic not base64", 401, "invalid_client",
                        () -> token(form, "Basic !!!not-base64!!!")).withChallenge(BASIC_CHALLENGE),
                json("client auth: Basic without colon", 401, "invalid_client",
                        () -> token(form, "Basic " + Base64.getEncoder()
                                .encodeToString("no-colon-here".getBytes(StandardCharsets.UTF_8)))).withChallenge(BASIC_CHALLENGE),
                json("client auth: %zz inside Basic", 401, "invalid_client",
                        () -> token(form, "Basic " + Base64.getEncoder().encodeToString(
                                (World.get().confidential.clientId() + ":%zz").getBytes(StandardCharsets.UTF_8))))
                        .withChallenge(BASIC_CHALLENGE),
                json("client auth: Bearer scheme at token endpoint", 401, "invalid_client",
                        () -> token(form, "Bearer " + World.get().accessToken)),
                json("client auth: secret with bad checksum at introspection", 401, "invalid_client",
                        () -> World.get().api.postForm("/oauth/introspect", Http.form("token", "x"), "Authorization",
                                Http.basic(World.get().confidential.clientId(), badChecksum(World.get().confidential.secret()))))
                        .withChallenge(BASIC_CHALLENGE),
                json("client auth: wrong secret at revocation", 401, "invalid_client",
                        () -> World.get().api.postForm("/oauth/revoke", Http.form("token", "x"), "Authorization",
                                Http.basic(World.get().confidential.clientId(), World.get().otherSecret)))
                        .withChallenge(BASIC_CHALLENGE),
                json("client auth: no authentication at all", 401, "invalid_client", () -> token(form, null)));
    }

    private static List<Case> bearerTokens() {
        return List.of(
                json("bearer: garbage at token info", 401, "invalid_token",
                        () -> World.get().api.get("/oauth/token/info", "Authorization", "Bearer garbage"))
                        .withChallenge(BEARER_CHALLENGE),
                json("bearer: bad checksum at token info", 401, "invalid_token",
                        () -> World.get().api.get("/oauth/token/info", "Authorization", "Bearer " + badChecksum(World.get().accessToken)))
                        .withChallenge(BEARER_CHALLENGE),
                json("bearer: refresh-shaped token at token info alias", 401, "invalid_token",
                        () -> World.get().api.get("/api/v1/oauth/token/info", "Authorization",
                                "Bearer " + World.get().accessToken.replaceFirst("^foot_", "foor_"))).withChallenge(BEARER_CHALLENGE),
                json("bearer: bad checksum at management API", 401, "invalid_token",
                        () -> World.get().api.get("/api/v1/orgs", "Authorization", "Bearer " + badChecksum(World.get().accessToken)))
                        .withChallenge(BEARER_CHALLENGE),
                json("bearer: 10k-character token (no status is prescribed)", ANY_4XX, null,
                        () -> World.get().api.get("/api/v1/users/me", "Authorization", "Bearer " + "t".repeat(10_000))),
                json("bearer: Basic scheme at token info", 401, null,
                        () -> World.get().api.get("/oauth/token/info", "Authorization", World.get().confidential.basic())));
    }

    private static List<Case> pagination() {
        return List.of(
                json("limit=0", 400, "validation_failed", () -> World.get().admin.get("/api/v1/oauth/clients?limit=0")),
                json("limit=201", 400, "validation_failed", () -> World.get().admin.get("/api/v1/oauth/clients?limit=201")),
                json("limit=-1", 400, "validation_failed", () -> World.get().admin.get("/api/v1/orgs?limit=-1")),
                json("limit=abc", 400, "validation_failed", () -> World.get().admin.get("/api/v1/oauth/scopes?limit=abc")),
                json("limit=1e2", 400, "validation_failed", () -> World.get().admin.get("/api/v1/orgs?limit=1e2")),
                json("limit=99999999999999999999", 400, "validation_failed",
                        () -> World.get().admin.get("/api/v1/orgs?limit=99999999999999999999")),
                json("cursor: garbage", 400, null, () -> World.get().admin.get("/api/v1/oauth/clients?cursor=eyJpZCI6MX0")),
                json("cursor: forged next_cursor of another shape", 400, null,
                        () -> World.get().admin.get("/api/v1/orgs?cursor=" + "a".repeat(200))));
    }

    private static List<Case> pathsAndIds() {
        return List.of(
                json("unknown path under /api/v1", 404, "not_found", () -> World.get().admin.get("/api/v1/no-such-thing")),
                json("unknown path under /oauth", 404, "not_found", () -> World.get().api.get("/oauth/nothing-here")),
                json("unknown POST path", 404, "not_found", () -> World.get().api.postForm("/oauth/tokenz", "a=b")),
                json("unknown client_id in path", 404, "not_found",
                        () -> World.get().admin.get("/api/v1/oauth/clients/foapp_000000000000000000000000")),
                json("bad UUID in path: org", ANY_4XX, null, () -> World.get().admin.get("/api/v1/orgs/not-a-uuid")),
                json("bad UUID in path: org members", ANY_4XX, null,
                        () -> World.get().admin.get("/api/v1/orgs/not-a-uuid/members")),
                json("bad UUID in path: member user_id", ANY_4XX, null,
                        () -> World.get().admin.delete("/api/v1/orgs/" + World.get().orgId + "/members/12345")),
                json("bad UUID in path: scope", ANY_4XX, null,
                        () -> World.get().admin.putJson("/api/v1/oauth/scopes/not-a-uuid", Map.of("description", "d"))),
                json("bad UUID in path: browser session", ANY_4XX, null,
                        () -> World.get().admin.delete("/api/v1/auth/sessions/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")));
    }

    private static List<Case> authorizeEndpoint() {
        return List.of(
                html("authorize: unknown client_id", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "response_type", "code", "client_id", "foapp_000000000000000000000000",
                        "redirect_uri", Fixtures.REDIRECT_URI, "state", "s"))),
                html("authorize: unregistered redirect_uri", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "response_type", "code", "client_id", World.get().confidential.clientId(),
                        "redirect_uri", "https://evil.example.test/callback", "state", "s"))),
                html("authorize: redirect_uri differing by a fragment", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "response_type", "code", "client_id", World.get().confidential.clientId(),
                        "redirect_uri", Fixtures.REDIRECT_URI + "#x", "state", "s"))),
                html("authorize: duplicated redirect_uri", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "response_type", "code", "client_id", World.get().confidential.clientId(),
                        "redirect_uri", Fixtures.REDIRECT_URI, "redirect_uri", Fixtures.REDIRECT_URI))),
                html("authorize: duplicated client_id", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "response_type", "code", "client_id", World.get().confidential.clientId(),
                        "client_id", World.get().publicApp.clientId(), "redirect_uri", Fixtures.REDIRECT_URI))),
                html("authorize: missing client_id", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "response_type", "code", "redirect_uri", Fixtures.REDIRECT_URI))),
                html("authorize: unknown client_id on the consent POST",
                        () -> World.get().userSession.postForm("/oauth/authorize", Http.form("client_id",
                                "foapp_000000000000000000000000", "redirect_uri", Fixtures.REDIRECT_URI, "confirm", "yes"))));
    }

    /** UserInfo, RP-initiated logout and pushed authorization requests (docs/openid-connect.md). */
    private static List<Case> openIdAndPushedRequests() {
        String confidential = World.get().confidential.clientId();
        String basic = Http.basic(confidential, World.get().confidential.secret());
        return List.of(
                json("userinfo: no token", 401, "unauthenticated", () -> World.get().api.get("/oauth/userinfo")),
                json("userinfo: Basic instead of Bearer", 401, null,
                        () -> World.get().api.get("/oauth/userinfo", "Authorization", basic)),
                json("userinfo: garbage bearer", 401, "invalid_token",
                        () -> World.get().api.get("/oauth/userinfo", "Authorization", "Bearer garbage!"))
                        .withChallenge(BEARER_CHALLENGE),
                json("userinfo: a service token (no user, no openid)", 403, "insufficient_scope",
                        () -> World.get().api.get("/oauth/userinfo", "Authorization", "Bearer " + World.get().accessToken)),
                json("userinfo: 8 KiB bearer", ANY_4XX, null,
                        () -> World.get().api.get("/oauth/userinfo", "Authorization", "Bearer " + "a".repeat(8000))),
                json("par: no client authentication", 401, "invalid_client",
                        () -> World.get().api.postForm("/oauth/par", Http.form("response_type", "code"))),
                json("par: JSON body", 400, "invalid_request",
                        () -> World.get().api.postJson("/oauth/par", Map.of("response_type", "code"),
                                "Authorization", basic)),
                json("par: broken percent-encoding", 400, "invalid_request",
                        () -> World.get().api.send("POST", "/oauth/par", FORM, "response_type=code&state=%zz",
                                "Authorization", basic)),
                json("par: repeated scope", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/par", Http.form("response_type", "code", "scope", "a",
                                "scope", "b"), "Authorization", basic)),
                json("par: max_age not a number", 400, "invalid_request",
                        () -> World.get().api.postForm("/oauth/par", Http.form("response_type", "code", "redirect_uri",
                                Fixtures.REDIRECT_URI, "max_age", "soon", "code_challenge", Fixtures.pkce().challenge(),
                                "code_challenge_method", "S256"), "Authorization", basic)),
                json("par: response_type token", 400, "unsupported_response_type",
                        () -> World.get().api.postForm("/oauth/par", Http.form("response_type", "token", "redirect_uri",
                                Fixtures.REDIRECT_URI), "Authorization", basic)),
                html("authorize: a request_uri no one pushed", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "client_id", confidential, "request_uri", "urn:ietf:params:oauth:request_uri:foopar_nope"))),
                html("authorize: a request_uri twice", () -> World.get().api.get("/oauth/authorize?" + Http.form(
                        "client_id", confidential, "request_uri", "urn:ietf:params:oauth:request_uri:a",
                        "request_uri", "urn:ietf:params:oauth:request_uri:b"))),
                html("logout: broken percent-encoding", () -> RawHttp.send("GET", "/oauth/logout?state=%zz")),
                html("logout: a hint that is no JWT, with a return address", () -> World.get().api.get("/oauth/logout?"
                        + Http.form("id_token_hint", "not.a.jwt", "post_logout_redirect_uri", Fixtures.REDIRECT_URI))),
                html("logout: post_logout_redirect_uri of no app", () -> World.get().api.get("/oauth/logout?"
                        + Http.form("post_logout_redirect_uri", "https://evil.example.test/"))),
                html("logout: unknown client_id", () -> World.get().api.get("/oauth/logout?"
                        + Http.form("client_id", "foapp_000000000000000000000000"))),
                html("logout: repeated client_id", () -> World.get().api.get("/oauth/logout?"
                        + Http.form("client_id", confidential, "client_id", confidential))),
                html("logout: JSON body", () -> World.get().api.postJson("/oauth/logout", Map.of("client_id", confidential))));
    }

    private static List<Case> csrf() {
        return List.of(
                json("csrf: cookie POST without X-CSRF-Token", 403, "forbidden",
                        () -> World.get().noCsrf.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org")))),
                json("csrf: cookie POST with a wrong X-CSRF-Token", 403, "forbidden",
                        () -> World.get().wrongCsrf.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org")))),
                json("csrf: cookie PUT without X-CSRF-Token", 403, "forbidden",
                        () -> World.get().noCsrf.putJson("/api/v1/oauth/clients/" + World.get().publicApp.clientId(),
                                Map.of("name", "renamed"))),
                json("csrf: cookie DELETE without X-CSRF-Token", 403, "forbidden",
                        () -> World.get().noCsrf.delete("/api/v1/oauth/clients/" + World.get().publicApp.clientId())),
                json("csrf: cookie logout without X-CSRF-Token", 403, "forbidden",
                        () -> World.get().noCsrf.send("POST", "/api/v1/auth/logout", null, null)));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** POST /api/v1/oauth/clients as the admin with {@code body} (a JSON string or an object). */
    private static Http.Response postClient(Object body) {
        return World.get().admin.postJson("/api/v1/oauth/clients", body);
    }

    /** A valid app registration with {@code overrides}, as a map to spoil. */
    private static Map<String, Object> app(Map<String, Object> overrides) {
        return new LinkedHashMap<>(Fixtures.appBody(World.get().orgId, overrides));
    }

    private static Http.Response token(String form, String authorization) {
        return authorization == null
                ? World.get().api.postForm("/oauth/token", form)
                : World.get().api.postForm("/oauth/token", form, "Authorization", authorization);
    }

    /** The same string with its last (checksum) character changed. */
    static String badChecksum(String value) {
        char last = value.charAt(value.length() - 1);
        return value.substring(0, value.length() - 1) + (last == '0' ? '1' : '0');
    }

    private static byte[] bytes(String before, byte[] middle, String after) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(middle);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A session cookie and CSRF token for requests sent with {@link RawHttp}. */
    record RawSession(String cookie, String csrf) {
        String[] headers(String contentType) {
            List<String> headers = new ArrayList<>(List.of("Cookie", cookie, "X-CSRF-Token", csrf));
            if (contentType != null) {
                headers.addAll(List.of("Content-Type", contentType));
            }
            return headers.toArray(String[]::new);
        }

        static RawSession login(String username, String password) {
            var response = Http.anonymous().postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            String cookie = response.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("gatehouse_session="))
                    .map(c -> c.split(";", 2)[0])
                    .findFirst().orElseThrow(() -> new AssertionError("no session cookie: " + response.headers()));
            return new RawSession(cookie, response.text("csrf_token"));
        }
    }

    /** What the cases share, built once on first use: an organization, two apps, sessions, a token. */
    private static final class World {
        private static World instance;

        final Http api = Http.anonymous();
        final Http admin = Fixtures.admin();
        final Fixtures.User user = Fixtures.newUser();
        final String orgId = Fixtures.org(user.login());
        final Fixtures.App confidential = Fixtures.app(admin, orgId, Map.of(
                "grant_types", List.of("authorization_code", "refresh_token", "client_credentials"),
                "actor_modes", List.of("self", "app")));
        final Fixtures.App publicApp = Fixtures.app(admin, orgId, Map.of("confidential", false));
        /** A well-formed secret of another app: right shape and checksum, wrong app. */
        final String otherSecret = Fixtures.app(admin, orgId, Map.of()).secret();
        final String accessToken = clientCredentialsToken();
        final Http userSession = user.login();
        final Http noCsrf = user.login().csrf(null);
        final Http wrongCsrf = user.login().csrf("not-the-csrf-token");
        final RawSession adminRaw = RawSession.login(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);

        static synchronized World get() {
            if (instance == null) {
                instance = new World();
            }
            return instance;
        }

        private String clientCredentialsToken() {
            var response = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                    "Authorization", confidential.basic());
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            return response.text("access_token");
        }
    }
}
