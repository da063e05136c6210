package gatehouse.testing;

import gatehouse.store.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL every storage test runs against: a fresh database, created once per test run, on
 * the server at GATEHOUSE_TEST_DATABASE_URL, or on an embedded server when that is unset.
 */
public final class TestDatabase {
    private static String jdbcUrl;

    private TestDatabase() {
    }

    /** A JDBC URL (credentials included) of this run's own database. */
    public static synchronized String url() {
        if (jdbcUrl == null) {
            String configured = System.getenv("GATEHOUSE_TEST_DATABASE_URL");
            jdbcUrl = configured == null || configured.isBlank() ? embedded() : freshDatabaseOn(configured);
        }
        return jdbcUrl;
    }

    /**
     * Another fresh database on the same server, for tests that need Gatehouse nodes of their own:
     * the shared server works the webhook outbox of {@link #url()} too.
     */
    public static synchronized String another() {
        return freshDatabaseOn(url());
    }

    private static String embedded() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away either way
                }
            }));
            return postgres.getJdbcUrl("postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("could not start an embedded PostgreSQL for the tests", e);
        }
    }

    /** Creates gatehouse_test_… on the configured server, dropped again when the JVM exits. */
    private static String freshDatabaseOn(String configured) {
        DatabaseUrl server = DatabaseUrl.parse(configured, null, null);
        String name = "gatehouse_test_" + System.currentTimeMillis() + "_" + ThreadLocalRandom.current().nextInt(1000, 9999);
        try (Connection connection = connect(server.jdbcUrl(), server)) {
            connection.createStatement().execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database on " + server, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Connection connection = connect(server.jdbcUrl(), server)) {
                connection.createStatement().execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (SQLException ignored) {
                // best effort: a leftover test database is harmless
            }
        }));
        String url = server.jdbcUrl().replaceFirst("^(jdbc:postgresql://[^/?]+)/?[^?]*", "$1/" + name);
        if (server.user() != null && !url.contains("user=")) {
            url += (url.contains("?") ? "&" : "?") + "user=" + server.user();
        }
        if (server.password() != null && !url.contains("password=")) {
            url += "&password=" + server.password();
        }
        return url;
    }

    private static Connection connect(String url, DatabaseUrl server) throws SQLException {
        var properties = new Properties();
        if (server.user() != null) {
            properties.setProperty("user", server.user());
        }
        if (server.password() != null) {
            properties.setProperty("password", server.password());
        }
        return DriverManager.getConnection(url, properties);
    }
}
