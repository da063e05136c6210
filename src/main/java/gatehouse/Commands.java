package gatehouse;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.audit.AuditRepository;
import gatehouse.crypto.Reencryption;
import gatehouse.jwt.SigningKey;
import gatehouse.jwt.SigningKeyRepository;
import gatehouse.jwt.SigningKeys;
import gatehouse.store.Database;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar gatehouse.jar <command>}: one-off operations run against the same database and
 * keys as the server, instead of serving.
 */
public final class Commands {
    static final String ROTATE_SIGNING_KEYS = "rotate-signing-keys";
    static final String REENCRYPT = "reencrypt";
    private static final String USAGE = "usage: java -jar gatehouse.jar [" + ROTATE_SIGNING_KEYS + " | " + REENCRYPT + "]";

    private Commands() {
    }

    /** Runs {@code args}; returns the process exit code (0 done, 1 failed, 2 bad command or configuration). */
    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.size() != 1 || !List.of(ROTATE_SIGNING_KEYS, REENCRYPT).contains(args.getFirst())) {
            err.println(USAGE);
            return 2;
        }
        Config config;
        try {
            config = Config.fromEnv(env);
        } catch (Config.InvalidConfigException e) {
            err.println("Gatehouse cannot start: " + e.getMessage());
            return 2;
        }
        try (Database database = App.openDatabase(config)) {
            if (REENCRYPT.equals(args.getFirst())) {
                reencrypt(config, database, out);
            } else {
                rotateSigningKeys(config, database, out);
            }
            return 0;
        } catch (RuntimeException e) {
            err.println(args.getFirst() + " failed: " + e.getMessage());
            return 1;
        }
    }

    /** Re-encrypts every stored secret under the first key of GATEHOUSE_ENCRYPTION_KEYS. */
    private static void reencrypt(Config config, Database database, PrintStream out) {
        var counts = new Reencryption(database, App.encryption(config)).run();
        out.println("re-encrypted under the first key of GATEHOUSE_ENCRYPTION_KEYS:");
        counts.forEach((table, n) -> out.printf("  %s: %d%n", table, n));
    }

    /**
     * Retires the current signing keys and makes new ones. Running servers switch within a few
     * seconds; the old keys stay in the JWKS while tokens they signed are unexpired.
     */
    private static void rotateSigningKeys(Config config, Database database, PrintStream out) {
        Clock clock = App.clock();
        var audit = new AuditLog(database, new AuditRepository(), clock);
        var keys = new SigningKeys(database, new SigningKeyRepository(), App.encryption(config), audit, clock);
        List<SigningKey> all = keys.rotate(new Actor("system", ROTATE_SIGNING_KEYS, null));
        out.println("signing keys rotated; every key, newest first:");
        for (SigningKey key : all) {
            out.printf("  %s  %s  created %s  %s%n", key.kid(), key.alg(), key.createdAt(),
                    key.current() ? "current" : "retired " + key.retiredAt());
        }
    }
}
