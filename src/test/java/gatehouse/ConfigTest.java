package gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.Config.InvalidConfigException;
import gatehouse.crypto.Encryption;
import gatehouse.mail.SmtpSettings;
import gatehouse.tokens.GroupCommitSettings;
import gatehouse.vault.VaultSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GATEHOUSE_* environment variables, validated as a whole. */
class ConfigTest {
    private static final String KEY = Encryption.generateKey();
    private static final String OLD_KEY = Encryption.generateKey();

    @Test
    void fromEnvWhenNothingSetThenDefaults() {
        Config config = Config.fromEnv(Map.of());

        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.tokens().prefix()).isEqualTo("fo");
        assertThat(config.issuer()).isEqualTo("http://localhost:8080");
        assertThat(config.database().url()).isNull();
        assertThat(config.embeddedDatabase()).isTrue();
        assertThat(config.server().dataDir()).isEqualTo(Path.of("./gatehouse-data").toAbsolutePath().normalize());
        assertThat(config.accounts().adminUsername()).isNull();
        assertThat(config.accounts().adminPassword()).isNull();
        assertThat(config.tokens().accessTokenTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(config.accounts().registrationOpen()).isTrue();
        assertThat(config.accounts().requireVerifiedEmail()).isFalse();
        assertThat(config.rateLimits().enabled()).isTrue();
        assertThat(config.secureCookies()).isFalse();
    }

    @Test
    void requireVerifiedEmailDefaultsToTrueForAnHttpsIssuerAndCanBeTurnedOff() {
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "https://auth.example.com",
                "GATEHOUSE_ENCRYPTION_KEYS", KEY)).accounts().requireVerifiedEmail()).isTrue();
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "https://auth.example.com",
                "GATEHOUSE_ENCRYPTION_KEYS", KEY, "GATEHOUSE_REQUIRE_VERIFIED_EMAIL", "false")).accounts().requireVerifiedEmail())
                .isFalse();
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "http://localhost:8080")).accounts().requireVerifiedEmail()).isFalse();
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "http://localhost:8080",
                "GATEHOUSE_REQUIRE_VERIFIED_EMAIL", "true")).accounts().requireVerifiedEmail()).isTrue();
    }

    @Test
    void fromEnvWhenBlankValuesThenDefaults() {
        Config config = Config.fromEnv(Map.of("GATEHOUSE_PORT", "  ", "GATEHOUSE_TOKEN_PREFIX", "", "GATEHOUSE_DATABASE_URL", " "));

        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.tokens().prefix()).isEqualTo("fo");
        assertThat(config.embeddedDatabase()).isTrue();
    }

    @Test
    void fromEnvWhenValuesSetThenUsed() {
        Config config = Config.fromEnv(env(
                "GATEHOUSE_HOST", "127.0.0.1",
                "GATEHOUSE_PORT", "9090",
                "GATEHOUSE_TOKEN_PREFIX", "gh",
                "GATEHOUSE_DATABASE_URL", "jdbc:postgresql://db:5432/gatehouse",
                "GATEHOUSE_ISSUER", "https://auth.example.com/",
                "GATEHOUSE_ENCRYPTION_KEYS", KEY,
                "GATEHOUSE_REGISTRATION", "closed",
                "GATEHOUSE_REQUIRE_VERIFIED_EMAIL", "TRUE",
                "GATEHOUSE_RATE_LIMITS_ENABLED", "false",
                "GATEHOUSE_ADMIN_USERNAME", "admin",
                "GATEHOUSE_ADMIN_PASSWORD", "correct horse battery staple"));

        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(9090);
        assertThat(config.tokens().prefix()).isEqualTo("gh");
        assertThat(config.database().url()).isEqualTo("jdbc:postgresql://db:5432/gatehouse");
        assertThat(config.embeddedDatabase()).isFalse();
        assertThat(config.issuer()).isEqualTo("https://auth.example.com");
        assertThat(config.secureCookies()).isTrue();
        assertThat(config.accounts().registrationOpen()).isFalse();
        assertThat(config.accounts().requireVerifiedEmail()).isTrue();
        assertThat(config.rateLimits().enabled()).isFalse();
        assertThat(config.accounts().adminUsername()).isEqualTo("admin");
        assertThat(config.accounts().adminPassword()).isEqualTo("correct horse battery staple");
    }

    @Test
    void fromEnvWhenPortSetAndNoIssuerThenIssuerUsesThatPort() {
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_PORT", "9090")).issuer()).isEqualTo("http://localhost:9090");
    }

    @Test
    void fromEnvWhenSeveralProblemsThenAllReportedInOneException() {
        Map<String, String> env = Map.of(
                "GATEHOUSE_PORT", "eighty",
                "GATEHOUSE_TOKEN_PREFIX", "Bad-Prefix",
                "GATEHOUSE_REQUIRE_VERIFIED_EMAIL", "maybe",
                "GATEHOUSE_ISSUER", "https://auth.example.com?tenant=1");

        assertThatThrownBy(() -> Config.fromEnv(env))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("GATEHOUSE_PORT")
                .hasMessageContaining("GATEHOUSE_TOKEN_PREFIX")
                .hasMessageContaining("GATEHOUSE_REQUIRE_VERIFIED_EMAIL")
                .hasMessageContaining("GATEHOUSE_ISSUER");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"eighty", "-1", "65536", "8080.5", "0x50"})
    void fromEnvWhenBadPortThenInvalidConfig(String port) {
        assertProblem(Map.of("GATEHOUSE_PORT", port), "GATEHOUSE_PORT");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"eighty", "-1", "65536", "9090.5"})
    void fromEnvWhenBadMetricsPortThenInvalidConfig(String port) {
        assertProblem(Map.of("GATEHOUSE_METRICS_PORT", port), "GATEHOUSE_METRICS_PORT");
    }

    @Test
    void fromEnvWhenMetricsPortIsTheMainPortThenInvalidConfig() {
        assertProblem(Map.of("GATEHOUSE_PORT", "9090", "GATEHOUSE_METRICS_PORT", "9090"), "GATEHOUSE_METRICS_PORT");
    }

    @Test
    void fromEnvWhenMetricsPortUnsetThenNoneAndWhenSetThenIt() {
        assertThat(Config.fromEnv(Map.of()).server().metricsPort()).isNull();
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_METRICS_PORT", "9091")).server().metricsPort()).isEqualTo(9091);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"Fo", "1fo", "f_o", "fo-", "abcdefghijklmnopq", "fö"})
    void fromEnvWhenBadTokenPrefixThenInvalidConfig(String prefix) {
        assertProblem(Map.of("GATEHOUSE_TOKEN_PREFIX", prefix), "GATEHOUSE_TOKEN_PREFIX");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"g", "gh", "acme2", "abcdefghijklmnop"})
    void fromEnvWhenValidTokenPrefixThenUsed(String prefix) {
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_TOKEN_PREFIX", prefix)).tokens().prefix()).isEqualTo(prefix);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"maybe", "on", "2", "truee"})
    void fromEnvWhenBadBooleanThenInvalidConfig(String value) {
        assertProblem(Map.of("GATEHOUSE_RATE_LIMITS_ENABLED", value), "GATEHOUSE_RATE_LIMITS_ENABLED");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "https://auth.example.com?tenant=1",
            "https://auth.example.com/?",
            "https://auth.example.com#top",
            "ftp://auth.example.com",
            "auth.example.com",
            "https://",
            "not a url"})
    void fromEnvWhenBadIssuerThenInvalidConfig(String issuer) {
        assertProblem(Map.of("GATEHOUSE_ISSUER", issuer), "GATEHOUSE_ISSUER");
    }

    @Test
    void fromEnvWhenIssuerHasPathThenKeptWithoutTrailingSlash() {
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "https://example.com/auth/", "GATEHOUSE_ENCRYPTION_KEYS", KEY)).issuer())
                .isEqualTo("https://example.com/auth");
    }

    @Test
    void fromEnvWhenBadRegistrationModeThenInvalidConfig() {
        assertProblem(Map.of("GATEHOUSE_REGISTRATION", "sometimes"), "GATEHOUSE_REGISTRATION");
    }

    @Test
    void fromEnvWhenAdminUsernameWithoutPasswordThenInvalidConfig() {
        assertProblem(Map.of("GATEHOUSE_ADMIN_USERNAME", "admin"), "GATEHOUSE_ADMIN_PASSWORD");
    }

    @Test
    void fromEnvWhenAdminPasswordWithoutUsernameThenInvalidConfig() {
        assertProblem(Map.of("GATEHOUSE_ADMIN_PASSWORD", "secret-secret"), "GATEHOUSE_ADMIN_USERNAME");
    }

    @Test
    void fromEnvWhenProblemsThenMessageDoesNotLeakAdminPassword() {
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_ADMIN_PASSWORD", "s3cret-do-not-log");
        env.put("GATEHOUSE_PORT", "nope");

        assertThatThrownBy(() -> Config.fromEnv(env))
                .isInstanceOf(InvalidConfigException.class)
                .message().doesNotContain("s3cret-do-not-log");
    }

    @Test
    void fromEnvWhenSmtpHostUnsetThenNoSmtp() {
        assertThat(Config.fromEnv(Map.of()).smtp()).isNull();
    }

    @Test
    void fromEnvWhenSmtpSettingsWithoutHostThenRefusedRatherThanLinksQuietlyLogged() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_SMTP_USERNAME", "mailer",
                "GATEHOUSE_SMTP_PASSWORD", "s3cret", "GATEHOUSE_SMTP_HOTS", "mail.example.com")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("GATEHOUSE_SMTP_HOST is required")
                .message().doesNotContain("s3cret");
    }

    @Test
    void fromEnvWhenSmtpHostSetThenStartTlsOnPort587AndFromAtTheIssuerHostByDefault() {
        Config config = Config.fromEnv(Map.of("GATEHOUSE_SMTP_HOST", "mail.example.com",
                "GATEHOUSE_ISSUER", "https://auth.example.com", "GATEHOUSE_ENCRYPTION_KEYS", KEY));
        assertThat(config.smtp()).isEqualTo(new SmtpSettings("mail.example.com", 587, null, null,
                "gatehouse@auth.example.com", true));
    }

    @Test
    void fromEnvWhenSmtpFullySetThenUsedAndPasswordKeptOutOfToString() {
        SmtpSettings smtp = Config.fromEnv(Map.of("GATEHOUSE_SMTP_HOST", "mail.example.com", "GATEHOUSE_SMTP_PORT", "2525",
                "GATEHOUSE_SMTP_USERNAME", "mailer", "GATEHOUSE_SMTP_PASSWORD", "smtp-secret",
                "GATEHOUSE_SMTP_FROM", "Gatehouse <no-reply@example.com>", "GATEHOUSE_SMTP_STARTTLS", "false")).smtp();
        assertThat(smtp).isEqualTo(new SmtpSettings("mail.example.com", 2525, "mailer", "smtp-secret",
                "Gatehouse <no-reply@example.com>", false));
        assertThat(smtp.toString()).doesNotContain("smtp-secret");
    }

    @Test
    void fromEnvWhenSmtpUsernameWithoutPasswordOrBadFromThenInvalidConfig() {
        assertProblem(Map.of("GATEHOUSE_SMTP_HOST", "mail.example.com", "GATEHOUSE_SMTP_USERNAME", "mailer"),
                "GATEHOUSE_SMTP_USERNAME");
        assertProblem(Map.of("GATEHOUSE_SMTP_HOST", "mail.example.com", "GATEHOUSE_SMTP_FROM", "not an address"),
                "GATEHOUSE_SMTP_FROM");
        assertProblem(Map.of("GATEHOUSE_SMTP_HOST", "mail.example.com", "GATEHOUSE_SMTP_PORT", "0"),
                "GATEHOUSE_SMTP_PORT");
    }

    private static Map<String, String> env(String... namesAndValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            env.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return env;
    }

    private static void assertProblem(Map<String, String> env, String variable) {
        assertThatThrownBy(() -> Config.fromEnv(env))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(variable);
    }

    @Test
    void fromEnvWhenRedisUrlUnsetThenEachNodeCountsAlone() {
        assertThat(Config.fromEnv(Map.of()).redis()).isNull();
    }

    @Test
    void fromEnvWhenRedisUrlSetThenSharedBucketsUnderTheDefaultKeyPrefixAndPasswordKeptOutOfToString() {
        Config config = Config.fromEnv(Map.of("GATEHOUSE_REDIS_URL", "redis://:s3cret@redis.internal:6380/2"));
        assertThat(config.redis().url()).isEqualTo("redis://:s3cret@redis.internal:6380/2");
        assertThat(config.redis().keyPrefix()).isEqualTo("gatehouse:");
        assertThat(config.redis().toString()).doesNotContain("s3cret");
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_REDIS_URL", "rediss://redis.internal",
                "GATEHOUSE_REDIS_KEY_PREFIX", "staging:")).redis().keyPrefix()).isEqualTo("staging:");
    }

    @Test
    void fromEnvWhenRedisUrlIsNotRedisThenRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_REDIS_URL", "http://user:s3cret@redis.internal")))
                .isInstanceOf(Config.InvalidConfigException.class)
                .hasMessageContaining("GATEHOUSE_REDIS_URL must be a redis:// or rediss:// URL")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_REDIS_URL", "redis://s3cret with spaces")))
                .isInstanceOf(Config.InvalidConfigException.class)
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void fromEnvWhenEncryptionKeysUnsetAndIssuerHttpThenNoneAndADevelopmentKeyLater() {
        assertThat(Config.fromEnv(Map.of()).encryptionKeys()).isNull();
    }

    @Test
    void fromEnvWhenEncryptionKeysUnsetAndIssuerHttpsThenRefusedToStart() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "https://auth.example.com")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("GATEHOUSE_ENCRYPTION_KEYS is required when the issuer is https");
    }

    @Test
    void fromEnvWhenSeveralEncryptionKeysThenFirstEncryptsInOrderAndNoneInToString() {
        Config config = Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "https://auth.example.com",
                "GATEHOUSE_ENCRYPTION_KEYS", KEY + " , " + OLD_KEY));

        assertThat(config.encryptionKeys().keys()).containsExactly(KEY, OLD_KEY);
        assertThat(config.encryptionKeys().toString()).doesNotContain(KEY).doesNotContain(OLD_KEY);
        assertThat(config.toString()).doesNotContain(KEY).doesNotContain(OLD_KEY);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"c2VjcmV0LXRvby1zaG9ydA==", "s3cret not base64!", "s3cretKey,", ","})
    void fromEnvWhenAnEncryptionKeyIsBadThenRefusedWithoutEchoingIt(String keys) {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_ENCRYPTION_KEYS", keys)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("GATEHOUSE_ENCRYPTION_KEYS")
                .hasMessageNotContaining("c2VjcmV0")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void fromEnvWhenJwtAudienceUnsetThenTheIssuerElseAsSet() {
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_ISSUER", "http://auth.example.com/")).tokens().jwtAudience())
                .isEqualTo("http://auth.example.com");
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_JWT_AUDIENCE", " https://api.example.com ")).tokens().jwtAudience())
                .isEqualTo("https://api.example.com");
    }

    @Test
    void fromEnvWhenGroupCommitUnsetThenOnWithDefaultsElseAsSet() {
        var defaults = Config.fromEnv(Map.of()).tokens().groupCommit();
        assertThat(defaults).isEqualTo(new GroupCommitSettings(true, GroupCommitSettings.DEFAULT_MAX_BATCH,
                GroupCommitSettings.DEFAULT_FLUSHERS));
        var set = Config.fromEnv(Map.of("GATEHOUSE_TOKEN_GROUP_COMMIT", "false",
                "GATEHOUSE_TOKEN_GROUP_COMMIT_MAX_BATCH", "64", "GATEHOUSE_TOKEN_GROUP_COMMIT_FLUSHERS", "3")).tokens().groupCommit();
        assertThat(set).isEqualTo(new GroupCommitSettings(false, 64, 3));
    }

    @Test
    void fromEnvWhenGroupCommitFlushersSetToTakeTheWholePoolThenInvalidConfigAndTheDefaultFits() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_DATABASE_POOL_SIZE", "4",
                "GATEHOUSE_TOKEN_GROUP_COMMIT_FLUSHERS", "4")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("GATEHOUSE_TOKEN_GROUP_COMMIT_FLUSHERS must be less than GATEHOUSE_DATABASE_POOL_SIZE");
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_DATABASE_POOL_SIZE", "2")).tokens().groupCommit().flushers())
                .as("the default shrinks to fit a small pool").isEqualTo(1);
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_TOKEN_GROUP_COMMIT_MAX_BATCH", "0")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("GATEHOUSE_TOKEN_GROUP_COMMIT_MAX_BATCH must be between 1 and 10000");
    }

    @Test
    void fromEnvWhenNoPlatformIsSetThenTheVaultHasNoneAndDefaults() {
        VaultSettings vault = Config.fromEnv(Map.of()).vault();
        assertThat(vault.slack()).isNull();
        assertThat(vault.jira()).isNull();
        assertThat(vault.githubOAuth()).isNull();
        assertThat(vault.githubApp()).isNull();
        assertThat(vault.refreshSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(vault.returnUrls()).isEmpty();
    }

    @Test
    void fromEnvWhenSlackIsSetThenItsDefaultsAndSecretKeptOutOfToString() {
        VaultSettings vault = Config.fromEnv(Map.of("GATEHOUSE_SLACK_CLIENT_ID", "1.2", "GATEHOUSE_SLACK_CLIENT_SECRET",
                "s3cret", "GATEHOUSE_CONNECT_RETURN_URLS", "https://a.example/x/, https://b.example/")).vault();
        assertThat(vault.slack().scopes()).containsExactly("chat:write", "channels:read");
        assertThat(vault.slack().apiUrl()).isEqualTo("https://slack.com/api");
        assertThat(vault.slack().toString()).doesNotContain("s3cret");
        assertThat(vault.returnUrls()).containsExactly("https://a.example/x/", "https://b.example/");
    }

    @Test
    void fromEnvWhenAPlatformLacksItsSecretOrUsesHttpThenRefused() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_JIRA_CLIENT_ID", "j")))
                .hasMessageContaining("GATEHOUSE_JIRA_CLIENT_SECRET is required");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_SLACK_CLIENT_ID", "1", "GATEHOUSE_SLACK_CLIENT_SECRET",
                "x", "GATEHOUSE_SLACK_API_URL", "http://fake.local/api")))
                .hasMessageContaining("GATEHOUSE_SLACK_API_URL must be an https URL");
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_SLACK_CLIENT_ID", "1", "GATEHOUSE_SLACK_CLIENT_SECRET", "x",
                "GATEHOUSE_SLACK_API_URL", "http://fake.local/api", "GATEHOUSE_VAULT_ALLOW_HTTP", "true")).vault().slack()
                .apiUrl()).isEqualTo("http://fake.local/api");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_GITHUB_APP_ID", "1", "GATEHOUSE_GITHUB_APP_SLUG", "s")))
                .hasMessageContaining("GATEHOUSE_GITHUB_APP_PRIVATE_KEY");
    }

    @Test
    void aGitHubAppNeedsItsOwnOAuthCredentialsToVerifyWhoInstalled() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_GITHUB_APP_ID", "1", "GATEHOUSE_GITHUB_APP_SLUG", "s",
                "GATEHOUSE_GITHUB_APP_PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----")))
                .hasMessageContaining("GATEHOUSE_GITHUB_APP_CLIENT_ID is required")
                .hasMessageContaining("GATEHOUSE_GITHUB_APP_CLIENT_SECRET is required");
    }

    @Test
    void printingTheWholeConfigurationNeverPrintsAPassword() {
        Config config = Config.fromEnv(Map.of("GATEHOUSE_DATABASE_URL", "postgresql://gh:db-s3cret@db.example/gh",
                "GATEHOUSE_DATABASE_PASSWORD", "other-db-s3cret", "GATEHOUSE_ADMIN_USERNAME", "admin@example.com",
                "GATEHOUSE_ADMIN_PASSWORD", "admin-s3cret-passphrase"));

        assertThat(config.toString()).doesNotContain("db-s3cret", "other-db-s3cret", "admin-s3cret-passphrase")
                .contains("admin@example.com");
    }

    @Test
    void aBadProviderDefinitionStopsTheStartNamingItsFileAndField(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Files.writeString(dir.resolve("acme.json"), """
                {"name": "acme", "display_name": "Acme", "bases": {"auth": "http://acme.example", "api": "https://api.acme.example"},
                 "authorization": {"url": "{auth}/authorize"}, "token": {"url": "{auth}/token"},
                 "identity": {"url": "{api}/me", "id": "/id"}, "api": {"base_url": "{api}"}}""");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_PROVIDERS_DIR", dir.toString())))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("acme.json: bases.auth: must be an https URL");
    }

    @Test
    void aDefinedProviderIsConfiguredByItsClientIdAndItsBasesCanBeOverridden() {
        Config config = Config.fromEnv(Map.of("GATEHOUSE_GITLAB_CLIENT_ID", "id", "GATEHOUSE_GITLAB_CLIENT_SECRET", "secret",
                "GATEHOUSE_GITLAB_AUTH_URL", "https://git.example.com/", "GATEHOUSE_GITLAB_API_URL", "https://git.example.com/api/v4"));
        var gitlab = config.vault().defined().getFirst();
        assertThat(gitlab.definition().name()).isEqualTo("gitlab");
        assertThat(gitlab.scopes()).containsExactly("read_api", "read_user");
        assertThat(gitlab.bases().auth()).isEqualTo("https://git.example.com");
        assertThat(config.vault().bases().get("github").api()).isEqualTo("https://api.github.com");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_GITLAB_CLIENT_ID", "id")))
                .hasMessageContaining("GATEHOUSE_GITLAB_CLIENT_SECRET is required");
    }
}
