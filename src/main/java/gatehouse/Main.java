package gatehouse;

import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar gatehouse.jar}: reads GATEHOUSE_* variables and runs until stopped; with a
 * command ({@code rotate-signing-keys}), runs that instead and exits.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            // A command (rotate-signing-keys) instead of the server.
            int code = Commands.run(List.of(args), System.getenv(), System.out, System.err);
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
                logging.stop();
            }
            System.exit(code);
            return;
        }
        Config config;
        try {
            config = Config.fromEnv(System.getenv());
        } catch (Config.InvalidConfigException e) {
            System.err.println("Gatehouse cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            App app = App.start(config);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                app.close();
                // Flush the asynchronous log last, so the shutdown's own lines are written too.
                if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
                    logging.stop();
                }
            }, "gatehouse-shutdown"));
        } catch (RuntimeException e) {
            log.error("Gatehouse could not start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }
}
