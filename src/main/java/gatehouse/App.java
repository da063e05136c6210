package gatehouse;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.audit.AuditRepository;
import gatehouse.auth.CallerResolver;
import gatehouse.auth.DPoPProofs;
import gatehouse.clients.ClientApprovals;
import gatehouse.clients.ClientAssertions;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.clients.ClientCache;
import gatehouse.clients.ClientRepository;
import gatehouse.clients.ClientRoutes;
import gatehouse.clients.ClientService;
import gatehouse.clients.JwksSource;
import gatehouse.clients.WebhookSecrets;
import gatehouse.consent.ConsentRepository;
import gatehouse.consent.ConsentRoutes;
import gatehouse.consent.ConsentService;
import gatehouse.console.AccountSettingsPages;
import gatehouse.console.AdminPages;
import gatehouse.console.AppPages;
import gatehouse.console.ConsolePages;
import gatehouse.console.HomePages;
import gatehouse.console.Names;
import gatehouse.console.OrgPages;
import gatehouse.console.SecretReveal;
import gatehouse.crypto.Encryption;
import gatehouse.http.ErrorHandler;
import gatehouse.http.LingeringConnector;
import gatehouse.http.RequestLog;
import gatehouse.http.Routes;
import gatehouse.installations.InstallationRepository;
import gatehouse.installations.InstallationRoutes;
import gatehouse.installations.InstallationService;
import gatehouse.jwt.JwtAccessTokens;
import gatehouse.jwt.SigningKeyRepository;
import gatehouse.jwt.SigningKeyRoutes;
import gatehouse.jwt.SigningKeys;
import gatehouse.mail.LogMailer;
import gatehouse.mail.MailQueue;
import gatehouse.mail.SmtpMailer;
import gatehouse.oauth.AppCallEndpoint;
import gatehouse.oauth.AuthorizationCodeGrant;
import gatehouse.oauth.AuthorizationCodeRepository;
import gatehouse.oauth.AuthorizationService;
import gatehouse.oauth.AuthorizeEndpoint;
import gatehouse.oauth.ClientCredentialsGrant;
import gatehouse.oauth.DeviceAuthorizationEndpoint;
import gatehouse.oauth.DeviceAuthorizationRepository;
import gatehouse.oauth.DeviceCodeGrant;
import gatehouse.oauth.DeviceFlow;
import gatehouse.oauth.DevicePages;
import gatehouse.oauth.DevicePolls;
import gatehouse.oauth.EndSessionEndpoint;
import gatehouse.oauth.Grant;
import gatehouse.oauth.GrantStores;
import gatehouse.oauth.IdTokenHints;
import gatehouse.oauth.IdTokens;
import gatehouse.oauth.IntrospectionEndpoint;
import gatehouse.oauth.Issuance;
import gatehouse.oauth.MetadataEndpoint;
import gatehouse.oauth.PasswordGrant;
import gatehouse.oauth.PushedAuthorizationEndpoint;
import gatehouse.oauth.PushedRequestRepository;
import gatehouse.oauth.RefreshTokenGrant;
import gatehouse.oauth.ResourceServers;
import gatehouse.oauth.ResourceTokens;
import gatehouse.oauth.RevocationEndpoint;
import gatehouse.oauth.TokenEndpoint;
import gatehouse.oauth.TokenExchangeGrant;
import gatehouse.oauth.TokenInfoEndpoint;
import gatehouse.oauth.UserInfoEndpoint;
import gatehouse.ops.HealthRoutes;
import gatehouse.ops.Metrics;
import gatehouse.ops.OpenApiRoute;
import gatehouse.orgs.AuditReader;
import gatehouse.orgs.AuditRoutes;
import gatehouse.orgs.OrgRepository;
import gatehouse.orgs.OrgRoutes;
import gatehouse.orgs.OrgService;
import gatehouse.ratelimit.BucketStore;
import gatehouse.ratelimit.GuessThrottle;
import gatehouse.ratelimit.LocalBuckets;
import gatehouse.ratelimit.RateLimitRoutes;
import gatehouse.ratelimit.RateLimiter;
import gatehouse.ratelimit.RedisBuckets;
import gatehouse.ratelimit.RegistrationThrottle;
import gatehouse.registration.InitialAccessTokenRoutes;
import gatehouse.registration.RegistrationEndpoint;
import gatehouse.registration.RegistrationRepository;
import gatehouse.registration.RegistrationService;
import gatehouse.scopes.ScopeRepository;
import gatehouse.scopes.ScopeRoutes;
import gatehouse.scopes.ScopeService;
import gatehouse.secrets.TokenCodec;
import gatehouse.store.ChangeFeed;
import gatehouse.store.Database;
import gatehouse.store.DatabaseUrl;
import gatehouse.tokens.AccessTokenBatcher;
import gatehouse.tokens.AccessTokenCache;
import gatehouse.tokens.AccessTokenSigner;
import gatehouse.tokens.ExpiredRecordsPurger;
import gatehouse.tokens.OAuthSessionRoutes;
import gatehouse.tokens.TokenRepository;
import gatehouse.tokens.TokenRoutes;
import gatehouse.tokens.TokenService;
import gatehouse.users.AccountEmails;
import gatehouse.users.AccountPages;
import gatehouse.users.AuthRoutes;
import gatehouse.users.FormCsrf;
import gatehouse.users.SessionRepository;
import gatehouse.users.SessionService;
import gatehouse.users.UserRepository;
import gatehouse.users.UserRoutes;
import gatehouse.users.UserService;
import gatehouse.users.UserTokenRepository;
import gatehouse.vault.ConnectFlow;
import gatehouse.vault.Connections;
import gatehouse.vault.Platforms;
import gatehouse.vault.ProviderHttp;
import gatehouse.vault.TokenLookup;
import gatehouse.vault.VaultRefresher;
import gatehouse.vault.VaultRepository;
import gatehouse.vault.CredentialChecks;
import gatehouse.vault.ProviderWebhookRoutes;
import gatehouse.vault.ProviderWebhooks;
import gatehouse.vault.ProxyEndpoint;
import gatehouse.vault.VaultProxy;
import gatehouse.vault.VaultRoutes;
import gatehouse.web.Assets;
import gatehouse.web.Bodies;
import gatehouse.web.Pages;
import gatehouse.webhooks.HostResolver;
import gatehouse.webhooks.RemoteJwks;
import gatehouse.webhooks.WebhookDispatcher;
import gatehouse.webhooks.WebhookOutbox;
import gatehouse.webhooks.WebhookRepository;
import gatehouse.webhooks.WebhookRoutes;
import gatehouse.webhooks.WebhookService;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Gatehouse with plain constructors — the one place that knows every part — and runs it.
 * Tests start it exactly as {@link Main} does, on port 0.
 */
public final class App implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final Config config;
    /** The version this build calls itself (the OpenAPI document's info.version). */
    public static final String VERSION = "0.1.0";

    private final Database database;
    private final Encryption encryption;
    private final WebhookDispatcher dispatcher;
    /** Fetches apps' jwks_uri (private_key_jwt) under the webhook rules. */
    private final RemoteJwks remoteJwks;
    private final VaultRefresher vaultRefresher;
    private final InstallationService installations;
    private final SigningKeys signingKeys;
    private final AccessTokenSigner accessTokenSigner;
    /** What other nodes changed, heard by the app and token caches. */
    private final ChangeFeed changes;
    /** Writes concurrent service tokens together; null when GATEHOUSE_TOKEN_GROUP_COMMIT is off. */
    private final AccessTokenBatcher tokenBatcher;
    private final ExpiredRecordsPurger purger;
    private final MailQueue mail;
    private final BucketStore buckets;
    private final Routes routes;
    private final Javalin server;
    /** The unauthenticated /metrics listener on GATEHOUSE_METRICS_PORT; null when that is unset. */
    private final Javalin metricsServer;

    private App(Config config, Database database, HostResolver webhookHosts) {
        this.config = config;
        this.database = database;
        Floor floor = floor(config, database);
        this.remoteJwks = new RemoteJwks(webhookHosts, config.webhooks().allowPrivate());
        Features features = features(config, database, floor, remoteJwks);
        this.encryption = floor.encryption();
        this.buckets = floor.buckets();
        this.signingKeys = features.signingKeys();
        this.accessTokenSigner = features.accessTokenSigner();
        this.mail = features.mail();
        this.changes = floor.changes();
        this.tokenBatcher = features.tokenBatcher();
        this.installations = features.installations();
        this.vaultRefresher = features.vaultRefresher();
        this.routes = new Routes(handlers(config, database, floor, features), console(config, database, floor, features));
        var errors = new ErrorHandler(floor.pages());
        this.server = javalin(routes, errors, new RequestLog(floor.metrics()), config);
        this.metricsServer = config.server().metricsPort() == null ? null
                : metricsListener(floor.metrics(), errors, config);
        features.users().bootstrapAdmin(config.accounts().adminUsername(), config.accounts().adminPassword());
        this.purger = new ExpiredRecordsPurger(database, floor.clock());
        changes.start(); // every cache has subscribed
        this.dispatcher = new WebhookDispatcher(database, features.webhookRepository(), features.webhookSecrets(),
                floor.clock(), config.webhooks().allowPrivate(), config.webhooks().retryBase(), Duration.ofMillis(500),
                floor.metrics().registry(), webhookHosts, config.webhooks().eventsUrl(), config.webhooks().eventsSecret());
    }

    /** What every feature stands on: time, the secret codec, metrics, pages, encryption, the audit trail, budgets. */
    private record Floor(Clock clock, TokenCodec codec, Metrics metrics, Pages pages, Encryption encryption,
                         ChangeFeed changes, AuditLog audit, BucketStore buckets, RateLimiter limiter, RateLimiter.Limit tokenLimit,
                         RateLimiter.Limit introspectLimit, RateLimiter.Limit revokeLimit, RateLimiter.Limit apiLimit) {
    }

    private static Floor floor(Config config, Database database) {
        Clock clock = clock();
        var audit = new AuditLog(database, new AuditRepository(), clock);
        BucketStore buckets = config.redis() == null ? new LocalBuckets()
                : new RedisBuckets(config.redis().url(), config.redis().keyPrefix());
        var limits = config.rateLimits();
        return new Floor(clock, new TokenCodec(config.tokens().prefix(), new SecureRandom()), new Metrics(), new Pages(),
                encryption(config), new ChangeFeed(database.dataSource()), audit, buckets,
                new RateLimiter(limits.enabled(), buckets, auditExceeded(audit)),
                new RateLimiter.Limit("token", limits.tokenPerMinute()),
                new RateLimiter.Limit("introspection", limits.introspectPerMinute()),
                new RateLimiter.Limit("revocation", limits.revokePerMinute()),
                new RateLimiter.Limit("api", limits.apiPerMinute()));
    }

    /** The features' services, each built with plain constructors from what it needs. */
    private record Features(SigningKeys signingKeys, AccessTokenSigner accessTokenSigner,
                            AccessTokenBatcher tokenBatcher, TokenService tokens, WebhookRepository webhookRepository,
                            WebhookSecrets webhookSecrets, MailQueue mail,
                            UserService users, SessionService sessions, AccountEmails accountEmails, FormCsrf formCsrf,
                            OrgService orgs, ClientCache clientCache, ScopeService scopes, ClientService clients,
                            ClientApprovals approvals, ConsentService consents, WebhookService webhooks,
                            InstallationService installations, ConnectFlow connectFlow, TokenLookup tokenLookup,
                            Connections connections, VaultRefresher vaultRefresher, VaultProxy vaultProxy,
                            ProviderWebhooks providerWebhooks,
                            ClientAuthenticator authenticator,
                            CallerResolver callers, List<Grant> grants, AuthorizationService authorization,
                            DeviceFlow deviceFlow, DPoPProofs proofs, RegistrationService registrations) {
    }

    private static Features features(Config config, Database database, Floor floor, JwksSource remoteJwks) {
        Clock clock = floor.clock();
        TokenCodec codec = floor.codec();
        AuditLog audit = floor.audit();
        Encryption encryption = floor.encryption();
        var signingKeys = new SigningKeys(database, new SigningKeyRepository(), encryption, audit, clock);
        signingKeys.ensureCurrentKeys();
        var signer = new JwtAccessTokens(signingKeys, config.issuer(), config.tokens().jwtAudience());
        var webhookRepository = new WebhookRepository();
        var events = config.webhooks();
        var outbox = new WebhookOutbox(webhookRepository, clock,
                type -> events.eventsUrl() != null && events.eventsTypes().contains(type));
        var tokenRepository = new TokenRepository();
        var groupCommit = config.tokens().groupCommit();
        var tokenBatcher = groupCommit.enabled()
                ? new AccessTokenBatcher(database, tokenRepository, groupCommit, floor.metrics().registry()) : null;
        var tokenCache = new AccessTokenCache(floor.changes(), clock, config.tokens().cacheSize(), Duration.ofSeconds(60));
        var tokens = new TokenService(database, tokenRepository, codec, audit, clock, signer, outbox, tokenCache,
                tokenBatcher);
        var userRepository = new UserRepository();
        var sessionRepository = new SessionRepository();
        var mail = new MailQueue(config.smtp() == null ? new LogMailer(config.secureCookies())
                : new SmtpMailer(config.smtp(), clock), Duration.ofSeconds(2));
        var accountEmails = new AccountEmails(database, userRepository, new UserTokenRepository(), sessionRepository,
                tokens, audit, codec, mail, config.issuer(), clock);
        var limits = config.rateLimits();
        var users = new UserService(database, userRepository, sessionRepository, tokens, audit,
                GuessThrottle.logins(limits.enabled(), limits.loginFailuresPerAccount(), limits.loginFailuresPerIp(),
                        floor.buckets()),
                new RegistrationThrottle(limits.enabled(), limits.registrationsPerIp(), floor.buckets()), accountEmails,
                clock, config.accounts().registrationOpen(), config.accounts().requireVerifiedEmail());
        var sessions = new SessionService(database, sessionRepository, codec, clock, config.accounts().sessionTtl());
        var orgs = new OrgService(database, new OrgRepository(), users, tokens, clock,
                config.accounts().requireVerifiedEmail());
        var clientCache = new ClientCache(floor.changes(), clock, Duration.ofSeconds(60));
        var scopes = new ScopeService(database, new ScopeRepository(), tokens, clientCache, clock);
        var webhookSecrets = new WebhookSecrets(encryption, new SecureRandom(), clock);
        var clientRepository = new ClientRepository();
        var clients = new ClientService(database, clientRepository, clientCache, audit, orgs, scopes, codec, tokens,
                clock, (int) config.tokens().accessTokenTtl().toSeconds(), webhookSecrets,
                config.webhooks().allowPrivate(), encryption);
        var consents = new ConsentService(database, new ConsentRepository(), clients, orgs, tokens, audit, clock);
        var installations = new InstallationService(database, new InstallationRepository(), orgs, clients, consents,
                tokens, audit, outbox, clock);
        var vaultRepository = new VaultRepository();
        var platforms = new Platforms(config.vault(), new ProviderHttp(), clock);
        var tokenLookup = new TokenLookup(database, vaultRepository, platforms, encryption, audit, outbox, clock,
                config.vault().refreshSkew(), floor.metrics().registry());
        var authenticator = new ClientAuthenticator(clients, codec, clock,
                new ClientAssertions(clients, database, encryption, remoteJwks, config.issuer(), clock));
        var proofs = new DPoPProofs(config.issuer(), database, encryption.derivedKey("dpop-nonce"),
                config.tokens().dpopRequireNonce(), clock);
        var codes = new AuthorizationCodeRepository();
        var grantStores = GrantStores.postgres(database, codes, tokens, audit, installations, consents, users, orgs);
        var issuance = new Issuance(grantStores.issuing(), grantStores.installations());
        var idTokens = IdTokens.postgres(signingKeys);
        var devices = new DeviceAuthorizationRepository();
        var authorization = new AuthorizationService(database, clients, orgs, consents, installations, codes, codec, clock,
                config.issuer(), new IdTokenHints(signingKeys, config.issuer()), new PushedRequestRepository());
        return new Features(signingKeys, signer, tokenBatcher, tokens, webhookRepository, webhookSecrets, mail, users, sessions,
                accountEmails, new FormCsrf(codec, config.secureCookies()), orgs, clientCache, scopes, clients,
                new ClientApprovals(database, clientRepository, clients, scopes, tokens, audit, clock), consents,
                new WebhookService(database, webhookRepository, outbox, webhookSecrets, clients, orgs, clock),
                installations,
                new ConnectFlow(database, vaultRepository, platforms, encryption, orgs, audit, outbox, clock, config.vault(),
                        config.issuer()),
                tokenLookup, new Connections(database, vaultRepository, platforms, encryption, orgs, audit, outbox,
                        clock),
                new VaultRefresher(database, vaultRepository, tokenLookup, new CredentialChecks(database, vaultRepository,
                        platforms, encryption, audit, outbox, clock, floor.metrics().registry(), config.vault().checkInterval(),
                        tokenLookup),
                        clock, config.vault().refreshSkew()),
                new VaultProxy(database, tokenLookup, platforms, audit, clients, installations),
                new ProviderWebhooks(database, vaultRepository, encryption, audit, outbox, platforms, clock,
                        config.vault().githubWebhookSecret(), config.vault().slackSigningSecret()),
                authenticator,
                new CallerResolver(sessions, tokens, authenticator,
                        (ctx, key) -> floor.limiter().consume(ctx, floor.apiLimit(), key), proofs),
                List.of(new AuthorizationCodeGrant(grantStores.transactions(), grantStores.codes(),
                                grantStores.families(), issuance, idTokens, config.issuer(), codec, clock),
                        new RefreshTokenGrant(grantStores.transactions(), grantStores.families(), issuance, codec, clock,
                                encryption),
                        new ClientCredentialsGrant(grantStores.transactions(), issuance, ResourceServers.registered(clients)),
                        new PasswordGrant(grantStores.transactions(), grantStores.passwords(), grantStores.memberships(),
                                grantStores.consents(), issuance, clock),
                        new DeviceCodeGrant(grantStores.transactions(), DevicePolls.postgres(devices), grantStores.codes(),
                                issuance, idTokens, config.issuer(), codec, clock),
                        new TokenExchangeGrant(grantStores.transactions(), issuance, tokens::findActiveAccessToken,
                                ResourceServers.registered(clients), clock)),
                authorization,
                new DeviceFlow(database, devices, clients, authorization, codec, clock, config.issuer()), proofs,
                new RegistrationService(database, new RegistrationRepository(), clients, orgs, audit, codec, clock,
                        config.issuer(), config.registration().open() ? RegistrationService.Mode.OPEN
                        : RegistrationService.Mode.TOKEN, config.registration().openOrganization(),
                        new RegistrationThrottle(limits.enabled(), limits.registrationsPerIp(), floor.buckets())));
    }

    /** What each route of the table points at. */
    private static Routes.Handlers handlers(Config config, Database database, Floor floor, Features f) {
        var callers = f.callers();
        var limiter = floor.limiter();
        var appCalls = new AppCallEndpoint(f.authenticator(), limiter, floor.tokenLimit());
        return new Routes.Handlers(
                new MetadataEndpoint(config.issuer(), f.scopes(), f.grants().stream().map(Grant::type).toList(),
                        f.signingKeys()),
                new AuthorizeEndpoint(f.authorization(), f.scopes(), f.orgs(), callers, floor.pages(),
                        platform -> f.connections().label(platform, null)),
                new TokenEndpoint(f.authenticator(), f.grants(), floor.metrics().registry(), limiter, floor.tokenLimit(),
                        f.proofs()),
                new RevocationEndpoint(f.authenticator(), f.tokens(), limiter, floor.revokeLimit()),
                new IntrospectionEndpoint(f.authenticator(), f.tokens(), config.issuer(), limiter,
                        floor.introspectLimit()),
                new TokenInfoEndpoint(new ResourceTokens(f.tokens(), f.proofs())),
                new UserInfoEndpoint(new ResourceTokens(f.tokens(), f.proofs()), f.users()),
                new EndSessionEndpoint(new IdTokenHints(f.signingKeys(), config.issuer()), f.clients(), f.sessions(),
                        callers, f.formCsrf(), floor.pages()),
                new PushedAuthorizationEndpoint(appCalls, f.authorization()),
                new DeviceAuthorizationEndpoint(appCalls, f.deviceFlow()),
                new DevicePages(f.deviceFlow(), f.scopes(), f.orgs(), callers,
                        GuessThrottle.userCodes(config.rateLimits().enabled(), config.rateLimits().userCodeFailuresPerUser(),
                                config.rateLimits().userCodeFailuresPerIp(), floor.buckets()), floor.audit(), floor.pages()),
                new RegistrationEndpoint(f.registrations()),
                new InitialAccessTokenRoutes(f.registrations(), callers),
                new OAuthSessionRoutes(f.tokens(), callers),
                new TokenRoutes(f.tokens(), callers),
                new ConsentRoutes(f.consents(), callers),
                new AuditRoutes(new AuditReader(floor.audit(), f.orgs()), callers),
                new RateLimitRoutes(limiter, List.of(floor.tokenLimit(), floor.introspectLimit(), floor.revokeLimit()),
                        floor.apiLimit(), callers),
                new AuthRoutes(f.users(), f.sessions(), callers, floor.pages(), f.formCsrf()),
                new AccountPages(f.accountEmails(), floor.pages(), f.formCsrf()),
                new UserRoutes(f.users(), f.accountEmails(), callers),
                new OrgRoutes(f.orgs(), callers),
                new InstallationRoutes(f.installations(), callers),
                new ClientRoutes(f.clients(), f.approvals(), callers),
                new WebhookRoutes(f.webhooks(), callers),
                new VaultRoutes(f.connectFlow(), f.tokenLookup(), f.connections(), f.vaultRefresher(), callers,
                        floor.pages()),
                new ProxyEndpoint(f.vaultProxy(), callers, floor.limiter(),
                        new RateLimiter.Limit("proxy", config.rateLimits().proxyPerConnectionPerMinute())),
                new ProviderWebhookRoutes(f.providerWebhooks()),
                new ScopeRoutes(f.scopes(), callers),
                new SigningKeyRoutes(f.signingKeys(), callers),
                new HealthRoutes(database, floor.buckets()),
                floor.metrics().forAdmins(callers),
                new OpenApiRoute(),
                new Assets());
    }

    /** The console's pages, on the same services and the same caller resolution as the API. */
    private static Routes.Console console(Config config, Database database, Floor floor, Features f) {
        var console = new ConsolePages(f.callers(), floor.pages());
        var names = new Names(f.clients(), f.orgs(), f.users());
        var auditReader = new AuditReader(floor.audit(), f.orgs());
        return new Routes.Console(console,
                new HomePages(console, f.callers(), f.formCsrf(), f.users(), f.sessions(), f.orgs(), f.clients(),
                        f.consents(), names),
                new AppPages(console, f.clients(), f.orgs(), f.scopes(), f.installations(), f.webhooks(), names,
                        config.issuer(), new SecretReveal(floor.encryption(), floor.clock()), f.formCsrf()),
                new OrgPages(console, f.orgs(), f.installations(), f.connections(), auditReader, names),
                new AccountSettingsPages(console, f.users(), f.accountEmails(), f.sessions(), f.consents(), f.tokens(),
                        names),
                new AdminPages(console, f.clients(), f.approvals(), f.users(), f.scopes(), auditReader, f.signingKeys(),
                        f.connections(), names, new AdminPages.SystemFacts(VERSION, config.summary(), database::isHealthy,
                        floor.buckets()::health, f.vaultRefresher()::lastRunAt)));
    }

    /**
     * The work every node does in the background: writing service tokens (group commit), purging,
     * webhook delivery, renewing vault tokens.
     */
    private void startBackgroundWork() {
        if (tokenBatcher != null) {
            tokenBatcher.start();
        }
        purger.start(Duration.ofSeconds(30));
        dispatcher.start();
        vaultRefresher.start(Duration.ofSeconds(60));
    }

    /**
     * A spent budget as {@code rate_limit.exceeded} (once per window and key): by the app for the
     * per-app limits, by the session or token ID for the management API.
     */
    private static RateLimiter.ExceededListener auditExceeded(AuditLog audit) {
        return (limit, key) -> {
            boolean perApp = !"api".equals(limit.name());
            var event = AuditLog.Event.of("rate_limit.exceeded").details(Map.of("limit", limit.name(), "key", key));
            audit.recordFailure(perApp ? Actor.client(key) : Actor.ANONYMOUS, perApp ? event.client(key) : event);
        };
    }

    /**
     * Microsecond ticks, as PostgreSQL stores them: an instant compared in Java and the same
     * instant read back from the database are then equal, so expiry boundaries are exact.
     */
    static Clock clock() {
        return Clock.tick(Clock.systemUTC(), Duration.ofNanos(1_000));
    }

    /** GATEHOUSE_ENCRYPTION_KEYS, or (development only; Config refuses it for https) the data directory's key. */
    static Encryption encryption(Config config) {
        return config.encryptionKeys() == null ? Encryption.withDevelopmentKey(config.server().dataDir())
                : new Encryption(config.encryptionKeys().keys());
    }

    /** Connects the database (starting the embedded one if needed) and migrates it. */
    static Database openDatabase(Config config) {
        return config.embeddedDatabase()
                ? Database.embedded(config.server().dataDir(), config.database().poolSize())
                : Database.external(DatabaseUrl.parse(config.database().url(), config.database().user(),
                        config.database().password()), config.database().poolSize());
    }

    /** Connects the database, migrates, and starts serving. */
    public static App start(Config config) {
        return start(config, HostResolver.SYSTEM);
    }

    /** As {@link #start(Config)}, with webhook hosts looked up by {@code webhookHosts} (tests answer for DNS). */
    public static App start(Config config, HostResolver webhookHosts) {
        Database database = openDatabase(config);
        App app;
        try {
            app = new App(config, database, webhookHosts);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        try {
            app.startBackgroundWork();
            app.server.start();
            // From the JVM's start, so the figure is what an orchestrator waits for (BENCHMARKS.md, "Start").
            log.info("Gatehouse is listening on http://{}:{} (issuer {}), ready {} ms after start", config.server().host(),
                    app.port(), config.issuer(), ManagementFactory.getRuntimeMXBean().getUptime());
            if (app.metricsServer != null) {
                app.metricsServer.start();
                log.info("Metrics are served on http://{}:{}/metrics", config.server().host(), app.metricsPort());
            }
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private static Javalin javalin(Routes routes, ErrorHandler errors, RequestLog requestLog, Config config) {
        return Javalin.create(cfg -> {
            httpEdge(cfg, errors, config.server().host(), config.server().port());
            // The one rule for the client's IP: ctx.ip() everywhere (logs, audit, every limit).
            cfg.contextResolver.ip = config.server().trustedProxies()::clientIp;
            cfg.jetty.threadPool = threadPool();
            cfg.http.maxRequestSize = Bodies.MAX_BODY_BYTES;
            cfg.requestLogger.http(requestLog::finished);
            cfg.routes.before(requestLog::assignId);
            for (Routes.Route route : routes.all()) {
                cfg.routes.addHttpHandler(route.method(), route.path(), route.handler());
            }
        });
    }

    /**
     * GATEHOUSE_METRICS_PORT's listener, on GATEHOUSE_HOST: {@code GET /metrics} without
     * authentication and nothing else, for a scraper that only the network lets in.
     */
    private static Javalin metricsListener(Metrics metrics, ErrorHandler errors, Config config) {
        return Javalin.create(cfg -> {
            httpEdge(cfg, errors, config.server().host(), config.server().metricsPort());
            cfg.routes.addHttpHandler(HandlerType.GET, "/metrics", metrics::scrape);
        });
    }

    /** What every listener shares: virtual threads, clean closes, and §1 JSON for every error. */
    private static void httpEdge(JavalinConfig cfg, ErrorHandler errors, String host, int port) {
        cfg.concurrency.useVirtualThreads = true;
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.http.prefer405over404 = true;
        // No response compression: the answers are small JSON, and compressing pages that carry a
        // secret (a CSRF token, a client secret shown once) next to reflected input invites BREACH.
        // It also cost ~4% of the token endpoint's CPU just deciding (BENCHMARKS.md).
        cfg.http.compressionStrategy = CompressionStrategy.NONE;
        cfg.jetty.addConnector((server, http) -> LingeringConnector.on(server, http, host, port));
        cfg.jetty.modifyServer(server -> {
            // Stopping waits up to 10 s for requests in flight (GracefulHandler tracks them).
            server.setStopTimeout(10_000);
            server.insertHandler(new GracefulHandler());
            server.setErrorHandler(ErrorHandler.forJetty());
        });
        cfg.routes.exception(Exception.class, errors::handle);
        // Javalin maps its own HttpResponseException (404, 405, …) unless told otherwise.
        cfg.routes.exception(HttpResponseException.class, errors::handle);
        cfg.routes.error(404, errors::notFound);
    }

    /**
     * Requests run on virtual threads; Jetty's acceptors and selectors keep platform threads, so
     * CPU-heavy requests cannot starve the accepting of new connections (Javalin's own virtual
     * pool would put those on virtual threads too).
     */
    private static QueuedThreadPool threadPool() {
        var pool = new QueuedThreadPool(32, 4);
        pool.setName("gatehouse-jetty");
        pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("gatehouse-request-", 0).factory()));
        return pool;
    }

    public int port() {
        return server.port();
    }

    /** The port of the GATEHOUSE_METRICS_PORT listener (as bound, when configured as 0); -1 without one. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    public Config config() {
        return config;
    }

    public Database database() {
        return database;
    }

    /** Installations (the grants' unit tests build grants on this server's services). */
    public InstallationService installations() {
        return installations;
    }

    /** The vault's background refresher (tests run a pass at once instead of waiting a minute). */
    public VaultRefresher vaultRefresher() {
        return vaultRefresher;
    }

    public Encryption encryption() {
        return encryption;
    }

    public SigningKeys signingKeys() {
        return signingKeys;
    }

    public AccessTokenSigner accessTokenSigner() {
        return accessTokenSigner;
    }

    /** The API's routes (what the OpenAPI document describes). */
    public List<Routes.Route> routes() {
        return routes.api();
    }

    /** The console's pages and forms. */
    public List<Routes.Route> consoleRoutes() {
        return routes.console();
    }

    /** Stops taking requests, lets running ones finish, then closes the database. */
    @Override
    public void close() {
        if (metricsServer != null) {
            metricsServer.stop();
        }
        server.stop();
        // After the listener: requests still finishing may be waiting for their batch. What is
        // queued is written (or refused) before the database closes.
        if (tokenBatcher != null) {
            tokenBatcher.close();
        }
        purger.close();
        mail.close();
        dispatcher.close();
        remoteJwks.close();
        vaultRefresher.close();
        changes.close();
        buckets.close();
        database.close();
        log.info("Gatehouse stopped");
    }
}
