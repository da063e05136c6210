package gatehouse.testing;

import gatehouse.App;
import gatehouse.Config;
import gatehouse.crypto.Encryption;
import gatehouse.webhooks.HostResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * The real Gatehouse, started once per test run on a free port against {@link TestDatabase}, as
 * {@code java -jar} would start it. Tests share it and keep apart by creating their own users,
 * organizations and apps.
 */
public final class TestServer {
    public static final String ADMIN_USERNAME = "admin@gatehouse.test";
    public static final String ADMIN_PASSWORD = "admin-password-for-tests";
    /**
     * One key for every instance of the run, as every node of a deployment shares its keys: the
     * instances share the database, so each must open the signing keys another made.
     */
    public static final String ENCRYPTION_KEY = Encryption.generateKey();

    private static TestServer instance;

    private final App app;
    private final String baseUrl;

    private TestServer(App app, String baseUrl) {
        this.app = app;
        this.baseUrl = baseUrl;
    }

    public static synchronized TestServer get() {
        if (instance == null) {
            instance = start(Map.of());
            Runtime.getRuntime().addShutdownHook(new Thread(instance.app::close));
        }
        return instance;
    }

    /** A separate instance with extra settings; the caller closes it. */
    public static TestServer start(Map<String, String> overrides) {
        return start(overrides, HostResolver.SYSTEM);
    }

    /** A separate instance whose webhook hosts are looked up by {@code webhookHosts}; the caller closes it. */
    public static TestServer start(Map<String, String> overrides, HostResolver webhookHosts) {
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_HOST", "127.0.0.1");
        env.put("GATEHOUSE_PORT", Integer.toString(port));
        env.put("GATEHOUSE_ISSUER", "http://127.0.0.1:" + port);
        env.put("GATEHOUSE_DATABASE_URL", TestDatabase.url());
        env.put("GATEHOUSE_ADMIN_USERNAME", ADMIN_USERNAME);
        env.put("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("GATEHOUSE_DATABASE_POOL_SIZE", "10");
        // Webhook receivers in the tests listen on 127.0.0.1, and retries should come within seconds.
        env.put("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE", "true");
        env.put("GATEHOUSE_WEBHOOK_RETRY_BASE_SECONDS", "1");
        // One key for every node of the run, as a deployment shares it: what one node encrypts
        // (webhook secrets, signing keys) the others can read.
        env.put("GATEHOUSE_ENCRYPTION_KEYS", ENCRYPTION_KEY);
        // Every test logs in from 127.0.0.1: the shared server must not lock it out. LoginLockoutIT
        // starts its own server with small budgets.
        env.put("GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "100000");
        env.put("GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_IP", "100000");
        env.put("GATEHOUSE_RATE_LIMIT_USER_CODE_FAILURES_PER_USER", "100000");
        env.put("GATEHOUSE_RATE_LIMIT_USER_CODE_FAILURES_PER_IP", "100000");
        env.put("GATEHOUSE_RATE_LIMIT_REGISTRATIONS_PER_IP", "1000000");
        env.put("GATEHOUSE_PROXY_RATE_LIMIT_PER_MINUTE", "1000000");
        for (String limit : new String[] {"TOKEN", "INTROSPECT", "REVOKE", "API"}) {
            env.put("GATEHOUSE_RATE_LIMIT_" + limit + "_PER_MINUTE", "1000000");
        }
        try {
            env.put("GATEHOUSE_DATA_DIR", Files.createTempDirectory("gatehouse-test").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.putAll(overrides);
        App app = App.start(Config.fromEnv(env), webhookHosts);
        return new TestServer(app, "http://127.0.0.1:" + app.port());
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** A browser session of the platform admin on this instance, its CSRF token set for API calls. */
    public Http adminSession() {
        Http session = Http.browser(baseUrl);
        var login = session.postJson("/api/v1/auth/login", Map.of("username", ADMIN_USERNAME, "password", ADMIN_PASSWORD));
        if (login.status() != 200) {
            throw new IllegalStateException("the admin could not sign in: " + login.body());
        }
        return session.csrf(login.text("csrf_token"));
    }

    public String issuer() {
        return app.config().issuer();
    }

    public App app() {
        return app;
    }

    public void close() {
        app.close();
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
