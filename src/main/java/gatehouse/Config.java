package gatehouse;

import gatehouse.crypto.Encryption;
import gatehouse.http.TrustedProxies;
import gatehouse.mail.SmtpSettings;
import gatehouse.tokens.GroupCommitSettings;
import gatehouse.vault.PlatformSettings;
import gatehouse.vault.ProviderDefinition;
import gatehouse.vault.ProviderDefinitions;
import gatehouse.vault.VaultSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Gatehouse's configuration, read once from {@code GATEHOUSE_*} environment variables and validated
 * as a whole: a bad start reports every problem at once rather than the first one. Grouped by what
 * it configures; every group that holds a secret leaves it out of {@code toString}, so printing a
 * configuration never prints a password.
 */
public record Config(
        Server server,
        DatabaseSettings database,
        Accounts accounts,
        Tokens tokens,
        RateLimits rateLimits,
        Webhooks webhooks,
        SmtpSettings smtp,
        Redis redis,
        EncryptionKeys encryptionKeys,
        VaultSettings vault,
        Registration registration) {

    /** Where Gatehouse listens and what it calls itself. */
    public record Server(String host, int port, Integer metricsPort, String issuer, TrustedProxies trustedProxies,
                         Path dataDir) {
    }

    /** The PostgreSQL to use; no URL means an embedded one in the data directory. */
    public record DatabaseSettings(String url, String user, String password, int poolSize) {
        @Override
        public String toString() {
            return "DatabaseSettings[url=" + (url == null ? null : url.replaceAll("//[^@/]*@", "//***@")
                    .replaceAll("(?i)password=[^&]*", "password=***")) + ", user=" + user + ", password="
                    + (password == null ? null : "***") + ", poolSize=" + poolSize + "]";
        }
    }

    /** People: the bootstrap admin, browser sessions, who may register, whether emails must be proven. */
    public record Accounts(String adminUsername, String adminPassword, Duration sessionTtl, boolean registrationOpen,
                           boolean requireVerifiedEmail) {
        @Override
        public String toString() {
            return "Accounts[adminUsername=" + adminUsername + ", adminPassword=" + (adminPassword == null ? null : "***")
                    + ", sessionTtl=" + sessionTtl + ", registrationOpen=" + registrationOpen
                    + ", requireVerifiedEmail=" + requireVerifiedEmail + "]";
        }
    }

    /**
     * What issued tokens look like: their prefix, default lifetime, and the JWT audience; how
     * service tokens are written (group commit); how many live access tokens each node keeps in
     * memory ({@code cacheSize}, 0: none); whether DPoP proofs at the token endpoint must carry a
     * server nonce ({@code dpopRequireNonce}, RFC 9449 §8).
     */
    public record Tokens(String prefix, Duration accessTokenTtl, String jwtAudience, GroupCommitSettings groupCommit,
                         int cacheSize, boolean dpopRequireNonce) {
    }

    /**
     * Request budgets; every number is per minute except the login and user-code failures (15 minutes)
     * and the registrations (hour).
     */
    public record RateLimits(boolean enabled, int tokenPerMinute, int introspectPerMinute, int revokePerMinute,
                             int apiPerMinute, int loginFailuresPerAccount, int loginFailuresPerIp,
                             int userCodeFailuresPerUser, int userCodeFailuresPerIp, int registrationsPerIp,
                             int proxyPerConnectionPerMinute) {
    }

    /**
     * Dynamic client registration (RFC 7591): {@code open} lets public apps register without an
     * initial access token, into {@code openOrganization} (an ID or slug; null: a built-in one).
     */
    public record Registration(boolean open, String openOrganization) {
    }

    /** Webhook delivery: whether private destinations are allowed (development), and the first retry pause. */
    /**
     * Webhook delivery: whether private destinations are allowed (development), the first retry pause,
     * and the SaaS-wide endpoint that hears every organization's connection events (docs/vault-events.md):
     * its URL, its {@code whsec_} secret, and the event types it receives (null URL: none).
     */
    public record Webhooks(boolean allowPrivate, Duration retryBase, String eventsUrl, String eventsSecret,
                           List<String> eventsTypes) {
        @Override
        public String toString() {
            return "Webhooks[allowPrivate=" + allowPrivate + ", retryBase=" + retryBase + ", eventsUrl=" + eventsUrl
                    + ", eventsTypes=" + eventsTypes + "]";
        }
    }

    /**
     * What the system page shows of this configuration: facts an operator checks, never a secret,
     * a key or a URL that may hold credentials.
     */
    public Map<String, String> summary() {
        var out = new LinkedHashMap<String, String>();
        out.put("Issuer", server.issuer());
        out.put("Listening on", server.host() + ":" + server.port());
        out.put("Metrics port", server.metricsPort() == null ? "same as the API (admins only)" : server.metricsPort().toString());
        out.put("Database", database.url() == null ? "embedded PostgreSQL" : "external PostgreSQL");
        out.put("Database pool size", Integer.toString(database.poolSize()));
        out.put("Open registration", Boolean.toString(accounts.registrationOpen()));
        out.put("Verified email required", Boolean.toString(accounts.requireVerifiedEmail()));
        out.put("Browser session lifetime", accounts.sessionTtl().toString());
        out.put("Token prefix", tokens.prefix());
        out.put("Default access token lifetime", tokens.accessTokenTtl().toString());
        out.put("Access tokens kept in memory per node", Integer.toString(tokens.cacheSize()));
        out.put("DPoP proofs need a server nonce", Boolean.toString(tokens.dpopRequireNonce()));
        out.put("Dynamic client registration", registration.open() ? "open (public apps without an initial access token)"
                : "with an initial access token");
        out.put("Service-token group commit", tokens.groupCommit().enabled() ? "on: up to " + tokens.groupCommit().maxBatch()
                + " per commit, " + tokens.groupCommit().flushers() + " flushers" : "off: one commit per token");
        out.put("Rate limits", rateLimits.enabled() ? "on: token " + rateLimits.tokenPerMinute() + "/min, introspection "
                + rateLimits.introspectPerMinute() + "/min, API " + rateLimits.apiPerMinute() + "/min" : "off");
        out.put("Rate-limit store", redis == null ? "this node's memory" : "Redis (shared by every node)");
        out.put("Mail", smtp == null ? "written to the log (no SMTP configured)" : "SMTP via " + smtp.host() + ":" + smtp.port());
        out.put("Encryption keys", encryptionKeys == null ? "development key in the data directory"
                : encryptionKeys.keys().size() + " (the first encrypts)");
        out.put("Webhooks to private addresses", Boolean.toString(webhooks.allowPrivate()));
        return out;
    }

    private static final Pattern TOKEN_PREFIX = Pattern.compile("[a-z][a-z0-9]{0,15}");

    /** Thrown with every problem found, one per line. */
    public static final class InvalidConfigException extends RuntimeException {
        public InvalidConfigException(List<String> problems) {
            super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
    }

    public static Config fromEnv(Map<String, String> env) {
        var reader = new Reader(env);
        String host = reader.string("GATEHOUSE_HOST", "0.0.0.0");
        int port = reader.integer("GATEHOUSE_PORT", 8080, 0, 65535);
        String issuer = reader.issuer(port);
        int poolSize = reader.integer("GATEHOUSE_DATABASE_POOL_SIZE", 20, 2, 500);
        var config = new Config(
                new Server(host, port, reader.metricsPort(port), issuer,
                        TrustedProxies.parse("GATEHOUSE_TRUSTED_PROXIES", reader.string("GATEHOUSE_TRUSTED_PROXIES", null),
                                reader.problems),
                        Path.of(reader.string("GATEHOUSE_DATA_DIR", "./gatehouse-data")).toAbsolutePath().normalize()),
                new DatabaseSettings(reader.string("GATEHOUSE_DATABASE_URL", null),
                        reader.string("GATEHOUSE_DATABASE_USER", null), reader.string("GATEHOUSE_DATABASE_PASSWORD", null),
                        poolSize),
                reader.accounts(issuer),
                new Tokens(reader.matching("GATEHOUSE_TOKEN_PREFIX", "fo", TOKEN_PREFIX,
                                "1 to 16 lowercase letters and digits, starting with a letter"),
                        Duration.ofSeconds(reader.integer("GATEHOUSE_ACCESS_TOKEN_TTL", 3600, 60, 86_400 * 7)),
                        // RFC 9068 aud: whom JWT access tokens are for; the issuer unless the resource servers say otherwise.
                        reader.string("GATEHOUSE_JWT_AUDIENCE", issuer),
                        reader.groupCommit(poolSize),
                        reader.integer("GATEHOUSE_TOKEN_CACHE_SIZE", 10_000, 0, 1_000_000),
                        reader.bool("GATEHOUSE_DPOP_REQUIRE_NONCE", true)),
                reader.rateLimits(),
                reader.webhooks(),
                reader.smtp(issuer),
                reader.redis(),
                reader.encryptionKeys(issuer),
                reader.vault(),
                new Registration("open".equals(reader.oneOf("GATEHOUSE_DYNAMIC_REGISTRATION", "token",
                        List.of("token", "open"))), reader.string("GATEHOUSE_DYNAMIC_REGISTRATION_ORGANIZATION", null)));
        if ((config.accounts.adminUsername() == null) != (config.accounts.adminPassword() == null)) {
            reader.problems.add("GATEHOUSE_ADMIN_USERNAME and GATEHOUSE_ADMIN_PASSWORD must be set together");
        }
        if (!reader.problems.isEmpty()) {
            throw new InvalidConfigException(reader.problems);
        }
        return config;
    }

    public String issuer() {
        return server.issuer();
    }

    public boolean secureCookies() {
        return server.issuer().startsWith("https://");
    }

    public boolean embeddedDatabase() {
        return database.url() == null;
    }


    /**
     * The Redis that rate-limit buckets live in, shared by every node; null when GATEHOUSE_REDIS_URL
     * is unset (each node then counts alone). Keys start with {@code keyPrefix}, so several
     * deployments can share one Redis.
     */
    public record Redis(String url, String keyPrefix) {
        @Override
        public String toString() {
            return "Redis[url=" + url.replaceAll("//[^@/]*@", "//***@") + ", keyPrefix=" + keyPrefix + "]";
        }
    }

    /**
     * The Fernet keys of GATEHOUSE_ENCRYPTION_KEYS, the first one encrypting; null when unset (a
     * development key is then generated in the data directory). Never printed.
     */
    public record EncryptionKeys(List<String> keys) {
        public EncryptionKeys {
            keys = List.copyOf(keys);
        }

        @Override
        public String toString() {
            return "EncryptionKeys[" + keys.size() + " keys]";
        }
    }


    /** Reads variables, collecting problems instead of stopping at the first one. */
    private static final class Reader {
        private final Map<String, String> env;
        private final List<String> problems = new ArrayList<>();

        Reader(Map<String, String> env) {
            this.env = env;
        }

        String string(String name, String fallback) {
            String value = env.get(name);
            return value == null || value.isBlank() ? fallback : value.trim();
        }

        int integer(String name, int fallback, int min, int max) {
            String value = string(name, null);
            if (value == null) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value);
                if (parsed < min || parsed > max) {
                    problems.add(name + " must be between " + min + " and " + max + ", got " + parsed);
                    return fallback;
                }
                return parsed;
            } catch (NumberFormatException e) {
                problems.add(name + " must be a whole number, got '" + value + "'");
                return fallback;
            }
        }

        /**
         * GATEHOUSE_METRICS_PORT: where /metrics is served without authentication, for a scraper
         * the network restricts; null when unset (then only platform admins read it on the main port).
         */
        Integer metricsPort(int port) {
            if (string("GATEHOUSE_METRICS_PORT", null) == null) {
                return null;
            }
            int metricsPort = integer("GATEHOUSE_METRICS_PORT", -1, 0, 65535);
            if (metricsPort < 0) {
                return null;
            }
            if (metricsPort == port && port != 0) {
                problems.add("GATEHOUSE_METRICS_PORT must differ from GATEHOUSE_PORT, both are " + port);
                return null;
            }
            return metricsPort;
        }

        /**
         * GATEHOUSE_TOKEN_GROUP_COMMIT (on unless false) and its batch size and flusher count. Each
         * flusher holds a connection while it writes, so they must leave the pool room for requests:
         * the default count shrinks to fit a small pool, a count set too large is refused.
         */
        GroupCommitSettings groupCommit(int poolSize) {
            boolean enabled = bool("GATEHOUSE_TOKEN_GROUP_COMMIT", true);
            int maxBatch = integer("GATEHOUSE_TOKEN_GROUP_COMMIT_MAX_BATCH", GroupCommitSettings.DEFAULT_MAX_BATCH, 1, 10_000);
            int fitting = Math.max(1, Math.min(GroupCommitSettings.DEFAULT_FLUSHERS, poolSize - 1));
            int flushers = integer("GATEHOUSE_TOKEN_GROUP_COMMIT_FLUSHERS", fitting, 1, 64);
            if (enabled && flushers >= poolSize) {
                problems.add("GATEHOUSE_TOKEN_GROUP_COMMIT_FLUSHERS must be less than GATEHOUSE_DATABASE_POOL_SIZE (" + poolSize
                        + "), got " + flushers);
            }
            return new GroupCommitSettings(enabled, maxBatch, flushers);
        }

        boolean bool(String name, boolean fallback) {
            String value = string(name, null);
            if (value == null) {
                return fallback;
            }
            return switch (value.toLowerCase()) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> {
                    problems.add(name + " must be true or false, got '" + value + "'");
                    yield fallback;
                }
            };
        }

        String oneOf(String name, String fallback, List<String> allowed) {
            String value = string(name, fallback);
            if (!allowed.contains(value)) {
                problems.add(name + " must be one of " + allowed + ", got '" + value + "'");
                return fallback;
            }
            return value;
        }

        String matching(String name, String fallback, Pattern pattern, String rule) {
            String value = string(name, fallback);
            if (!pattern.matcher(value).matches()) {
                problems.add(name + " must be " + rule + ", got '" + value + "'");
                return fallback;
            }
            return value;
        }

        Accounts accounts(String issuer) {
            return new Accounts(string("GATEHOUSE_ADMIN_USERNAME", null), string("GATEHOUSE_ADMIN_PASSWORD", null),
                    Duration.ofSeconds(integer("GATEHOUSE_SESSION_TTL", 86_400, 300, 86_400 * 90)),
                    !"closed".equals(oneOf("GATEHOUSE_REGISTRATION", "open", List.of("open", "closed"))),
                    // In production (an https issuer) an account is usable only once its address is proven.
                    bool("GATEHOUSE_REQUIRE_VERIFIED_EMAIL", issuer.startsWith("https://")));
        }

        /** Each budget read into a variable named for it, so no two can be swapped in the record. */
        RateLimits rateLimits() {
            boolean enabled = bool("GATEHOUSE_RATE_LIMITS_ENABLED", true);
            int token = integer("GATEHOUSE_RATE_LIMIT_TOKEN_PER_MINUTE", 600, 1, 10_000_000);
            int introspect = integer("GATEHOUSE_RATE_LIMIT_INTROSPECT_PER_MINUTE", 1200, 1, 10_000_000);
            int revoke = integer("GATEHOUSE_RATE_LIMIT_REVOKE_PER_MINUTE", 600, 1, 10_000_000);
            int api = integer("GATEHOUSE_RATE_LIMIT_API_PER_MINUTE", 1200, 1, 10_000_000);
            int loginPerAccount = integer("GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", 10, 1, 1_000_000);
            int loginPerIp = integer("GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_IP", 30, 1, 1_000_000);
            int userCodePerUser = integer("GATEHOUSE_RATE_LIMIT_USER_CODE_FAILURES_PER_USER", 10, 1, 1_000_000);
            int userCodePerIp = integer("GATEHOUSE_RATE_LIMIT_USER_CODE_FAILURES_PER_IP", 30, 1, 1_000_000);
            int registrations = integer("GATEHOUSE_RATE_LIMIT_REGISTRATIONS_PER_IP", 20, 1, 1_000_000);
            int proxy = integer("GATEHOUSE_PROXY_RATE_LIMIT_PER_MINUTE", 600, 1, 10_000_000);
            return new RateLimits(enabled, token, introspect, revoke, api, loginPerAccount, loginPerIp, userCodePerUser,
                    userCodePerIp, registrations, proxy);
        }

        SmtpSettings smtp(String issuer) {
            String host = string("GATEHOUSE_SMTP_HOST", null);
            boolean startTls = bool("GATEHOUSE_SMTP_STARTTLS", true);
            int port = integer("GATEHOUSE_SMTP_PORT", startTls ? 587 : 25, 1, 65535);
            String username = string("GATEHOUSE_SMTP_USERNAME", null);
            String password = env.get("GATEHOUSE_SMTP_PASSWORD");
            String from = string("GATEHOUSE_SMTP_FROM", null);
            if (host == null) {
                if (username != null || password != null || from != null
                        || env.containsKey("GATEHOUSE_SMTP_PORT") || env.containsKey("GATEHOUSE_SMTP_STARTTLS")) {
                    // Likely a misspelt host: without this, reset links would quietly go to the log.
                    problems.add("GATEHOUSE_SMTP_HOST is required when other GATEHOUSE_SMTP_* variables are set");
                }
                return null;
            }
            if (from == null) {
                from = "gatehouse@" + mailDomain(issuer);
            } else if (!from.matches("[^@\\s<>]+@[^@\\s<>]+|[^<>]*<[^@\\s<>]+@[^@\\s<>]+>")) {
                problems.add("GATEHOUSE_SMTP_FROM must be an email address, optionally as 'Name <address>', got '" + from + "'");
            }
            if ((username == null) != (password == null || password.isEmpty())) {
                problems.add("GATEHOUSE_SMTP_USERNAME and GATEHOUSE_SMTP_PASSWORD must be set together");
            }
            return new SmtpSettings(host, port, username, password, from, startTls);
        }

        Webhooks webhooks() {
            String url = string("GATEHOUSE_EVENTS_WEBHOOK_URL", null);
            String secret = string("GATEHOUSE_EVENTS_WEBHOOK_SECRET", null);
            if (url != null) {
                checkedUrl("GATEHOUSE_EVENTS_WEBHOOK_URL", url, true);
                if (secret == null || !secret.matches("whsec_[A-Za-z0-9+/]{32,}={0,2}")) {
                    problems.add("GATEHOUSE_EVENTS_WEBHOOK_SECRET must be a whsec_ secret (whsec_ and at least 24 base64 bytes)"
                            + " when GATEHOUSE_EVENTS_WEBHOOK_URL is set");
                }
            } else if (secret != null) {
                problems.add("GATEHOUSE_EVENTS_WEBHOOK_SECRET is set without GATEHOUSE_EVENTS_WEBHOOK_URL");
            }
            List<String> types = words("GATEHOUSE_EVENTS_WEBHOOK_EVENTS", "connection.created connection.refresh_failed"
                    + " connection.needs_reauth connection.revoked connection.expiring connection.suspended connection.unsuspended");
            return new Webhooks(bool("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE", false),
                    Duration.ofSeconds(integer("GATEHOUSE_WEBHOOK_RETRY_BASE_SECONDS", 5, 1, 3600)), url, secret, types);
        }

        VaultSettings vault() {
            boolean allowHttp = bool("GATEHOUSE_VAULT_ALLOW_HTTP", false);
            String githubWeb = baseUrl("GATEHOUSE_GITHUB_WEB_URL", "https://github.com", allowHttp);
            String githubApi = baseUrl("GATEHOUSE_GITHUB_API_URL", "https://api.github.com", allowHttp);
            var githubOAuth = string("GATEHOUSE_GITHUB_CLIENT_ID", null) == null ? null
                    : new PlatformSettings.GitHubOAuth(string("GATEHOUSE_GITHUB_CLIENT_ID", null),
                            secret("GATEHOUSE_GITHUB_CLIENT_SECRET"), words("GATEHOUSE_GITHUB_SCOPES", "read:org repo"),
                            githubWeb, githubApi);
            var githubApp = string("GATEHOUSE_GITHUB_APP_ID", null) == null ? null
                    : new PlatformSettings.GitHubApp(string("GATEHOUSE_GITHUB_APP_ID", null),
                            required("GATEHOUSE_GITHUB_APP_SLUG"), githubPrivateKey(),
                            // The install callback's code is exchanged with these to learn who installed.
                            required("GATEHOUSE_GITHUB_APP_CLIENT_ID"), secret("GATEHOUSE_GITHUB_APP_CLIENT_SECRET"),
                            githubWeb, githubApi);
            var jira = string("GATEHOUSE_JIRA_CLIENT_ID", null) == null ? null
                    : new PlatformSettings.Jira(string("GATEHOUSE_JIRA_CLIENT_ID", null),
                            secret("GATEHOUSE_JIRA_CLIENT_SECRET"),
                            words("GATEHOUSE_JIRA_SCOPES", "read:jira-work write:jira-work read:me offline_access"),
                            baseUrl("GATEHOUSE_JIRA_AUTH_URL", "https://auth.atlassian.com", allowHttp),
                            baseUrl("GATEHOUSE_JIRA_API_URL", "https://api.atlassian.com", allowHttp));
            var slack = string("GATEHOUSE_SLACK_CLIENT_ID", null) == null ? null
                    : new PlatformSettings.Slack(string("GATEHOUSE_SLACK_CLIENT_ID", null),
                            secret("GATEHOUSE_SLACK_CLIENT_SECRET"), words("GATEHOUSE_SLACK_SCOPES", "chat:write channels:read"),
                            words("GATEHOUSE_SLACK_USER_SCOPES", ""),
                            baseUrl("GATEHOUSE_SLACK_WEB_URL", "https://slack.com", allowHttp),
                            baseUrl("GATEHOUSE_SLACK_API_URL", "https://slack.com/api", allowHttp));
            List<String> returnUrls = new ArrayList<>();
            for (String prefix : words("GATEHOUSE_CONNECT_RETURN_URLS", "")) {
                returnUrls.add(checkedUrl("GATEHOUSE_CONNECT_RETURN_URLS", prefix, true));
            }
            Duration skew = Duration.ofSeconds(integer("GATEHOUSE_VAULT_REFRESH_SKEW", 300, 0, 86_400));
            Duration checkInterval = Duration.ofSeconds(integer("GATEHOUSE_VAULT_CHECK_INTERVAL", 86_400, 300, 30 * 86_400));
            Map<String, ProviderDefinition> definitions = providerDefinitions(allowHttp, checkInterval);
            Map<String, ProviderDefinition.Bases> bases = new LinkedHashMap<>();
            List<PlatformSettings.Defined> defined = new ArrayList<>();
            for (ProviderDefinition definition : definitions.values()) {
                ProviderDefinition.Bases resolved = providerBases(definition, allowHttp);
                bases.put(definition.name(), resolved);
                String prefix = definition.settingsPrefix();
                if (definition.isGeneric() && string(prefix + "CLIENT_ID", null) != null) {
                    defined.add(new PlatformSettings.Defined(definition, string(prefix + "CLIENT_ID", null),
                            secret(prefix + "CLIENT_SECRET"),
                            words(prefix + "SCOPES", String.join(" ", definition.authorize().defaultScopes())), resolved,
                            allowHttp));
                }
            }
            return new VaultSettings(githubOAuth, githubApp, jira, slack, List.copyOf(returnUrls), skew, allowHttp,
                    definitions, bases, defined, checkInterval, optionalSecret("GATEHOUSE_GITHUB_APP_WEBHOOK_SECRET"),
                    optionalSecret("GATEHOUSE_SLACK_SIGNING_SECRET"));
        }

        /** A secret that may be absent; present, it must be long enough to be one (16 characters). */
        private String optionalSecret(String name) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                return null;
            }
            if (value.strip().length() < 16) {
                problems.add(name + " must be at least 16 characters");
            }
            return value.strip();
        }

        /** The shipped provider definitions and GATEHOUSE_PROVIDERS_DIR's; a bad one is a problem naming file and field. */
        private Map<String, ProviderDefinition> providerDefinitions(boolean allowHttp, Duration checkInterval) {
            String directory = string("GATEHOUSE_PROVIDERS_DIR", null);
            try {
                return ProviderDefinitions.load(directory == null ? null : Path.of(directory), allowHttp, checkInterval);
            } catch (ProviderDefinitions.InvalidDefinition e) {
                problems.add("provider definition " + e.getMessage());
                return ProviderDefinitions.load(null, allowHttp, checkInterval);
            }
        }

        /**
         * A definition's bases, or their overrides: GATEHOUSE_<NAME>_AUTH_URL, _API_URL and _<BASE>_URL for any
         * other base (GitHub's and Slack's browser host keeps its older name, _WEB_URL). An override may hold the definition's
         * connection parameters ({subdomain}), as the default does.
         */
        private ProviderDefinition.Bases providerBases(ProviderDefinition definition, boolean allowHttp) {
            String prefix = definition.settingsPrefix();
            boolean webUrl = "github".equals(definition.implementation()) || "slack".equals(definition.implementation());
            Map<String, String> resolved = new LinkedHashMap<>();
            definition.bases().urls().forEach((base, url) -> {
                String setting = base.equals("auth") && webUrl ? "WEB" : base.toUpperCase(Locale.ROOT);
                resolved.put(base, templateUrl(prefix + setting + "_URL", url, definition, allowHttp));
            });
            return new ProviderDefinition.Bases(resolved);
        }

        private String templateUrl(String name, String fallback, ProviderDefinition definition, boolean allowHttp) {
            String value = string(name, fallback);
            for (String placeholder : ProviderDefinition.placeholders(value)) {
                if (!definition.connectionParams().containsKey(placeholder)) {
                    problems.add(name + " uses {" + placeholder + "}, which is not a connection parameter of "
                            + definition.name());
                    return fallback;
                }
            }
            checkedUrl(name, value.replaceAll("\\{[a-z0-9_]+}", "example"), allowHttp);
            return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        }

        /** Space- or comma-separated words. */
        private List<String> words(String name, String fallback) {
            String value = string(name, fallback);
            return value.isBlank() ? List.of() : List.of(value.trim().split("[\\s,]+"));
        }

        private String secret(String name) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                problems.add(name + " is required when the platform's client ID is set");
                return null;
            }
            return value.trim();
        }

        private String required(String name) {
            String value = string(name, null);
            if (value == null) {
                problems.add(name + " is required with GATEHOUSE_GITHUB_APP_ID");
            }
            return value;
        }

        private String githubPrivateKey() {
            String pem = env.get("GATEHOUSE_GITHUB_APP_PRIVATE_KEY");
            String file = string("GATEHOUSE_GITHUB_APP_PRIVATE_KEY_FILE", null);
            if ((pem == null || pem.isBlank()) && file != null) {
                try {
                    pem = Files.readString(Path.of(file));
                } catch (IOException | RuntimeException e) {
                    problems.add("GATEHOUSE_GITHUB_APP_PRIVATE_KEY_FILE cannot be read: " + file);
                    return null;
                }
            }
            if (pem == null || !pem.contains("-----BEGIN")) {
                problems.add("GATEHOUSE_GITHUB_APP_PRIVATE_KEY (PEM text) or _FILE is required with GATEHOUSE_GITHUB_APP_ID");
                return null;
            }
            return pem;
        }

        /** An https base URL (http too with GATEHOUSE_VAULT_ALLOW_HTTP), without a trailing slash. */
        private String baseUrl(String name, String fallback, boolean allowHttp) {
            String value = checkedUrl(name, string(name, fallback), allowHttp);
            return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        }

        private String checkedUrl(String name, String value, boolean allowHttp) {
            try {
                URI uri = URI.create(value);
                boolean ok = "https".equals(uri.getScheme()) || allowHttp && "http".equals(uri.getScheme());
                if (!ok || uri.getHost() == null) {
                    problems.add(name + " must be an https URL" + (allowHttp ? " or http URL" : "") + ", got '" + value + "'");
                }
            } catch (IllegalArgumentException e) {
                problems.add(name + " is not a valid URL: '" + value + "'");
            }
            return value;
        }

        Redis redis() {
            String url = string("GATEHOUSE_REDIS_URL", null);
            String keyPrefix = string("GATEHOUSE_REDIS_KEY_PREFIX", "gatehouse:");
            if (url == null) {
                return null;
            }
            try {
                URI uri = URI.create(url);
                boolean redis = "redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme());
                if (!redis || uri.getHost() == null) {
                    problems.add("GATEHOUSE_REDIS_URL must be a redis:// or rediss:// URL with a host");
                }
            } catch (IllegalArgumentException e) {
                // Not echoed: the URL may carry a password.
                problems.add("GATEHOUSE_REDIS_URL is not a valid URL");
            }
            return new Redis(url, keyPrefix);
        }

        /**
         * Unset is allowed only for a plain-http (development) issuer: in production a generated key
         * would live on one node's disk, and losing it loses every secret it encrypted.
         */
        EncryptionKeys encryptionKeys(String issuer) {
            String value = string("GATEHOUSE_ENCRYPTION_KEYS", null);
            if (value == null) {
                if (issuer.startsWith("https://")) {
                    problems.add("GATEHOUSE_ENCRYPTION_KEYS is required when the issuer is https");
                }
                return null;
            }
            List<String> keys = new ArrayList<>();
            String[] parts = value.split(",", -1);
            for (int i = 0; i < parts.length; i++) {
                String key = parts[i].trim();
                if (Encryption.isValidKey(key)) {
                    keys.add(key);
                } else {
                    // Position only: the value is a secret, even a broken one.
                    problems.add("GATEHOUSE_ENCRYPTION_KEYS: key " + (i + 1) + " of " + parts.length
                            + " is not a Fernet key (32 bytes, url-safe base64)");
                }
            }
            return keys.isEmpty() ? null : new EncryptionKeys(keys);
        }

        private static String mailDomain(String issuer) {
            try {
                String host = URI.create(issuer).getHost();
                return host == null || !host.contains(".") ? "localhost.localdomain" : host;
            } catch (IllegalArgumentException e) {
                return "localhost.localdomain"; // the issuer problem is reported on its own
            }
        }

        String issuer(int port) {
            String value = string("GATEHOUSE_ISSUER", null);
            if (value == null) {
                return "http://localhost:" + (port == 0 ? 8080 : port);
            }
            try {
                URI uri = URI.create(value);
                boolean web = "https".equals(uri.getScheme()) || "http".equals(uri.getScheme());
                if (!web || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
                    problems.add("GATEHOUSE_ISSUER must be an http(s) URL without query or fragment, got '" + value + "'");
                }
            } catch (IllegalArgumentException e) {
                problems.add("GATEHOUSE_ISSUER is not a valid URL: '" + value + "'");
            }
            return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        }
    }
}
