package gatehouse.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL behind Gatehouse: an external server when a URL is configured, otherwise an embedded
 * one kept in the data directory. Owns the pool, applies migrations at start, and runs transactions.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private final EmbeddedPostgres embedded;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource, EmbeddedPostgres embedded) {
        this.dataSource = dataSource;
        this.embedded = embedded;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
        // Exception messages must not carry bound arguments: they may be secrets and end up in logs.
        jdbi.getConfig(StatementExceptions.class).setMessageRendering(StatementExceptions.MessageRendering.NONE);
    }

    /** Connects to the server at {@code url} and brings its schema up to date. */
    public static Database external(DatabaseUrl url, int poolSize) {
        log.info("database: PostgreSQL at {}", url);
        var database = new Database(pool(url.jdbcUrl(), url.user(), url.password(), poolSize), null);
        database.migrate();
        return database;
    }

    /** Starts (creating on first use) a PostgreSQL kept in {@code dataDir/postgres}. */
    public static Database embedded(Path dataDir, int poolSize) {
        Path pgDir = dataDir.resolve("postgres");
        try {
            Files.createDirectories(pgDir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(pgDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(dataDir.resolve("pg-runtime").toFile())
                    .start();
            log.info("database: embedded PostgreSQL in {} on port {}", pgDir, postgres.getPort());
            String url = postgres.getJdbcUrl("postgres", "postgres");
            var database = new Database(pool(url, "postgres", null, poolSize), postgres);
            database.migrate();
            return database;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + pgDir, e);
        }
    }

    private static HikariDataSource pool(String jdbcUrl, String user, String password, int poolSize) {
        var config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("gatehouse");
        // Fail fast while the database is down (requests answer 503), and reconnect on their own after.
        config.setConnectionTimeout(3_000);
        config.setValidationTimeout(1_000);
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("connectTimeout", "5");
        // Nothing Gatehouse does takes long: a stuck statement or lock wait fails instead of piling up.
        config.addDataSourceProperty("options", "-c statement_timeout=30000 -c lock_timeout=10000");
        return new HikariDataSource(config);
    }

    private void migrate() {
        var flyway = Flyway.configure()
                // A session-level lock, not a transaction held open on another connection while migrating:
                // CREATE INDEX CONCURRENTLY (V13) waits for every open transaction, so it would wait forever.
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .connectRetries(5)
                .load();
        var result = flyway.migrate();
        var current = flyway.info().current();
        log.info("database: schema at version {} ({} migrations applied now)",
                current == null ? "none" : current.getVersion(), result.migrationsExecuted);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(Function<Handle, T> work) {
        return jdbi.inTransaction(work::apply);
    }

    /** Runs {@code work} on one pooled connection, each statement committing on its own. */
    public <T> T withHandle(Function<Handle, T> work) {
        return jdbi.withHandle(work::apply);
    }

    /** True when the database answers a trivial query within a second. */
    public boolean isHealthy() {
        try (var connection = dataSource.getConnection()) {
            return connection.isValid(1);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** True when {@code error} means the database could not be reached, as opposed to a bad statement. */
    public static boolean isUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        dataSource.close();
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                log.warn("database: embedded PostgreSQL did not stop cleanly", e);
            }
        }
    }
}
