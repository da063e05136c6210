package gatehouse.http;

import gatehouse.clients.ClientRoutes;
import gatehouse.consent.ConsentRoutes;
import gatehouse.console.AccountSettingsPages;
import gatehouse.console.AdminPages;
import gatehouse.console.AppPages;
import gatehouse.console.ConsolePages;
import gatehouse.console.HomePages;
import gatehouse.console.OrgPages;
import gatehouse.installations.InstallationRoutes;
import gatehouse.jwt.SigningKeyRoutes;
import gatehouse.oauth.AuthorizeEndpoint;
import gatehouse.oauth.DeviceAuthorizationEndpoint;
import gatehouse.oauth.DevicePages;
import gatehouse.oauth.EndSessionEndpoint;
import gatehouse.oauth.IntrospectionEndpoint;
import gatehouse.oauth.MetadataEndpoint;
import gatehouse.oauth.PushedAuthorizationEndpoint;
import gatehouse.oauth.RevocationEndpoint;
import gatehouse.oauth.TokenEndpoint;
import gatehouse.oauth.TokenInfoEndpoint;
import gatehouse.oauth.UserInfoEndpoint;
import gatehouse.ops.HealthRoutes;
import gatehouse.ops.OpenApiRoute;
import gatehouse.orgs.AuditRoutes;
import gatehouse.orgs.OrgRoutes;
import gatehouse.ratelimit.RateLimitRoutes;
import gatehouse.registration.InitialAccessTokenRoutes;
import gatehouse.registration.RegistrationEndpoint;
import gatehouse.scopes.ScopeRoutes;
import gatehouse.tokens.OAuthSessionRoutes;
import gatehouse.tokens.TokenRoutes;
import gatehouse.users.AccountPages;
import gatehouse.users.AuthRoutes;
import gatehouse.users.UserRoutes;
import gatehouse.vault.ProviderWebhookRoutes;
import gatehouse.vault.ProxyEndpoint;
import gatehouse.vault.VaultRoutes;
import gatehouse.web.Assets;
import gatehouse.webhooks.WebhookRoutes;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;

/**
 * Every path Gatehouse answers, in one table (aliases of docs/http.md share a handler). The OpenAPI
 * document must list exactly these; a test holds the two together.
 */
public final class Routes {

    /** One route: method, Javalin path template ({@code {id}} style, as in OpenAPI), handler. */
    public record Route(HandlerType method, String path, Handler handler) {
    }

    /** The handlers the table points at, built by the App. */
    public record Handlers(
            MetadataEndpoint metadata,
            AuthorizeEndpoint authorize,
            TokenEndpoint token,
            RevocationEndpoint revocation,
            IntrospectionEndpoint introspection,
            TokenInfoEndpoint tokenInfo,
            UserInfoEndpoint userInfo,
            EndSessionEndpoint endSession,
            PushedAuthorizationEndpoint pushedAuthorization,
            DeviceAuthorizationEndpoint deviceAuthorization,
            DevicePages device,
            RegistrationEndpoint registration,
            InitialAccessTokenRoutes initialAccessTokens,
            OAuthSessionRoutes sessions,
            TokenRoutes tokens,
            ConsentRoutes consents,
            AuditRoutes audit,
            RateLimitRoutes rateLimits,
            AuthRoutes auth,
            AccountPages accountPages,
            UserRoutes users,
            OrgRoutes orgs,
            InstallationRoutes installations,
            ClientRoutes clients,
            WebhookRoutes webhooks,
            VaultRoutes vault,
            ProxyEndpoint proxy,
            ProviderWebhookRoutes providerWebhooks,
            ScopeRoutes scopes,
            SigningKeyRoutes signingKeys,
            HealthRoutes health,
            Handler metrics,
            OpenApiRoute openApi,
            Assets assets) {
    }

    /** The console's pages (docs/console.md): HTML for people, outside the OpenAPI document. */
    public record Console(ConsolePages pages, HomePages home, AppPages apps, OrgPages orgs, AccountSettingsPages account,
                          AdminPages admin) {
    }

    // The console's sections: which navigation entry a page belongs to ("admin" is for platform admins only).
    private static final String DASHBOARD = "dashboard";
    private static final String APPS = "apps";
    private static final String ORGS = "orgs";
    private static final String ACCOUNT = "account";
    private static final String ADMIN = ConsolePages.ADMIN;

    private final List<Route> routes = new ArrayList<>();
    private final List<Route> consoleRoutes = new ArrayList<>();
    private final ConsolePages console;

    public Routes(Handlers h, Console c) {
        this.console = c.pages();
        api(h);
        console(c);
    }

    private void console(Console c) {
        openPage("/", c.home()::start);
        openPage("/signup", c.home()::signupPage);
        openForm("/signup", c.home()::signup);
        form("/logout", DASHBOARD, c.home()::logout);
        page("/apps", APPS, c.apps()::list);
        page("/apps/new", APPS, c.apps()::newApp);
        form("/apps", APPS, c.apps()::create);
        page("/apps/{client_id}", APPS, c.apps()::show);
        form("/apps/{client_id}", APPS, c.apps()::update);
        page("/apps/{client_id}/edit", APPS, c.apps()::edit);
        page("/apps/{client_id}/secret", APPS, c.apps()::secret);
        form("/apps/{client_id}/secret", APPS, c.apps()::rotateSecret);
        page("/apps/{client_id}/delete", APPS, c.apps()::confirmDelete);
        form("/apps/{client_id}/delete", APPS, c.apps()::delete);
        form("/apps/{client_id}/deliveries/{id}/redeliver", APPS, c.apps()::redeliver);
        page("/orgs", ORGS, c.orgs()::list);
        form("/orgs", ORGS, c.orgs()::create);
        page("/orgs/{id}", ORGS, c.orgs()::show);
        form("/orgs/{id}/members", ORGS, c.orgs()::addMember);
        form("/orgs/{id}/members/{user_id}/role", ORGS, c.orgs()::changeRole);
        form("/orgs/{id}/members/{user_id}/remove", ORGS, c.orgs()::removeMember);
        page("/orgs/{id}/installations/{installation_id}/disconnect", ORGS, c.orgs()::confirmDisconnect);
        form("/orgs/{id}/installations/{installation_id}/disconnect", ORGS, c.orgs()::disconnect);
        page("/orgs/{id}/connections/{connection_id}/disconnect", ORGS, c.orgs()::confirmRemoveConnection);
        form("/orgs/{id}/connections/{connection_id}/disconnect", ORGS, c.orgs()::removeConnection);
        page("/orgs/{id}/audit", ORGS, c.orgs()::audit);
        page("/account", ACCOUNT, c.account()::show);
        form("/account/profile", ACCOUNT, c.account()::saveProfile);
        form("/account/password", ACCOUNT, c.account()::changePassword);
        form("/account/verification", ACCOUNT, c.account()::resendVerification);
        form("/account/consents/{consent_id}/revoke", ACCOUNT, c.account()::revokeConsent);
        form("/account/oauth-sessions/{token_id}/revoke", ACCOUNT, c.account()::revokeOAuthSession);
        form("/account/oauth-sessions/revoke-all", ACCOUNT, c.account()::revokeAllOAuthSessions);
        form("/account/browser-sessions/sign-out-others", ACCOUNT, c.account()::signOutOthers);
        page("/admin", ADMIN, c.admin()::approvals);
        form("/admin/approvals/{client_id}", ADMIN, c.admin()::decide);
        page("/admin/users", ADMIN, c.admin()::users);
        form("/admin/users/{user_id}", ADMIN, c.admin()::updateUser);
        page("/admin/users/{user_id}/delete", ADMIN, c.admin()::confirmDeleteUser);
        form("/admin/users/{user_id}/delete", ADMIN, c.admin()::deleteUser);
        page("/admin/scopes", ADMIN, c.admin()::scopes);
        form("/admin/scopes", ADMIN, c.admin()::createScope);
        form("/admin/scopes/{scope_id}", ADMIN, c.admin()::updateScope);
        form("/admin/scopes/{scope_id}/delete", ADMIN, c.admin()::deleteScope);
        page("/admin/audit", ADMIN, c.admin()::audit);
        page("/admin/audit.csv", ADMIN, c.admin()::auditCsv);
        page("/admin/audit.jsonl", ADMIN, c.admin()::auditJsonLines);
        page("/admin/keys", ADMIN, c.admin()::keys);
        form("/admin/keys/rotate", ADMIN, c.admin()::rotateKeys);
        page("/admin/system", ADMIN, c.admin()::system);
    }


    private void api(Handlers h) {
        // Discovery and operations
        get("/.well-known/oauth-authorization-server", h.metadata()::metadata);
        get("/.well-known/openid-configuration", h.metadata()::openIdConfiguration);
        get("/oauth/jwks", h.metadata()::jwks);
        get("/health", h.health()::health);
        get("/metrics", h.metrics());
        get("/openapi.json", h.openApi()::serve);
        get("/assets/{file}", h.assets()::serve);

        // Authorization server (docs/http.md, "The OAuth flows")
        get("/oauth/authorize", h.authorize()::show);
        post("/oauth/authorize", h.authorize()::decide);
        post("/oauth/par", h.pushedAuthorization()::handle);
        post("/oauth/device_authorization", h.deviceAuthorization()::handle);
        get("/device", h.device()::show);
        post("/device", h.device()::enter);
        post("/device/decision", h.device()::decide);
        post("/oauth/register", h.registration()::register);
        get("/oauth/register/{client_id}", h.registration()::read);
        put("/oauth/register/{client_id}", h.registration()::update);
        delete("/oauth/register/{client_id}", h.registration()::delete);
        post("/oauth/token", h.token()::handle);
        post("/api/v1/oauth/tokens", h.token()::handle);
        post("/oauth/revoke", h.revocation()::handle);
        post("/api/v1/oauth/tokens/revoke", h.revocation()::handle);
        post("/oauth/introspect", h.introspection()::handle);
        post("/api/v1/oauth/introspect", h.introspection()::handle);
        get("/oauth/token/info", h.tokenInfo()::handle);
        get("/api/v1/oauth/token/info", h.tokenInfo()::handle);
        get("/oauth/userinfo", h.userInfo()::handle);
        post("/oauth/userinfo", h.userInfo()::handle);
        get("/oauth/logout", h.endSession()::handle);
        post("/oauth/logout", h.endSession()::handle);
        get("/oauth/sessions", h.sessions()::list);
        get("/api/v1/oauth/sessions", h.sessions()::list);
        delete("/oauth/sessions/{token_id}", h.sessions()::end);
        delete("/api/v1/oauth/sessions/{token_id}", h.sessions()::end);
        post("/oauth/revoke-all", h.sessions()::endAll);
        get("/api/v1/oauth/tokens", h.tokens()::list);
        post("/api/v1/oauth/tokens/bulk-revoke", h.tokens()::bulkRevoke);
        post("/api/v1/oauth/consents", h.consents()::create);
        get("/api/v1/oauth/consents", h.consents()::list);
        get("/api/v1/oauth/consents/history", h.consents()::history);
        delete("/api/v1/oauth/consents/{consent_id}", h.consents()::revoke);
        get("/api/v1/audit-logs", h.audit()::list);
        get("/api/v1/oauth/rate-limits", h.rateLimits()::list);

        // Signing in (docs/security.md, "Callers")
        get("/login", h.auth()::loginPage);
        post("/login", h.auth()::loginForm);
        post("/api/v1/auth/login", h.auth()::login);
        post("/api/v1/auth/logout", h.auth()::logout);
        get("/api/v1/auth/sessions", h.auth()::listSessions);
        delete("/api/v1/auth/sessions/{id}", h.auth()::endSession);
        get("/verify-email", h.accountPages()::verifyEmailPage);
        post("/verify-email", h.accountPages()::verifyEmailForm);
        get("/reset-password", h.accountPages()::resetPasswordPage);
        post("/reset-password", h.accountPages()::resetPasswordForm);

        // Management API (docs/http.md, "The management API")
        post("/api/v1/users", h.users()::register);
        get("/api/v1/users/me", h.users()::me);
        post("/api/v1/users/verify-email", h.users()::verifyEmail);
        post("/api/v1/users/reset-password", h.users()::resetPassword);
        get("/api/v1/users", h.users()::list);
        put("/api/v1/users/profile", h.users()::updateProfile);
        put("/api/v1/users/password", h.users()::changePassword);
        put("/api/v1/users/{user_id}", h.users()::update);
        delete("/api/v1/users/{user_id}", h.users()::delete);
        post("/api/v1/orgs", h.orgs()::create);
        get("/api/v1/orgs", h.orgs()::list);
        get("/api/v1/orgs/{id}", h.orgs()::get);
        post("/api/v1/orgs/{id}/members", h.orgs()::addMember);
        get("/api/v1/orgs/{id}/members", h.orgs()::members);
        post("/api/v1/orgs/{id}/initial-access-tokens", h.initialAccessTokens()::create);
        get("/api/v1/orgs/{id}/initial-access-tokens", h.initialAccessTokens()::list);
        delete("/api/v1/orgs/{id}/initial-access-tokens/{token_id}", h.initialAccessTokens()::revoke);
        put("/api/v1/orgs/{id}/members/{user_id}", h.orgs()::changeRole);
        delete("/api/v1/orgs/{id}/members/{user_id}", h.orgs()::removeMember);
        get("/api/v1/orgs/{id}/installations", h.installations()::list);
        delete("/api/v1/orgs/{id}/installations/{installation_id}", h.installations()::disconnect);
        post("/api/v1/oauth/clients", h.clients()::create);
        get("/api/v1/oauth/clients", h.clients()::list);
        get("/api/v1/oauth/clients/{client_id}", h.clients()::get);
        put("/api/v1/oauth/clients/{client_id}", h.clients()::update);
        delete("/api/v1/oauth/clients/{client_id}", h.clients()::delete);
        post("/api/v1/oauth/clients/{client_id}/secret", h.clients()::rotateSecret);
        post("/api/v1/oauth/clients/{client_id}/approvals", h.clients()::approve);
        post("/api/v1/oauth/clients/{client_id}/refusals", h.clients()::refuse);
        delete("/api/v1/oauth/clients/{client_id}/approvals/grant_types/{grant_type}", h.clients()::withdrawGrantType);
        delete("/api/v1/oauth/clients/{client_id}/approvals/{scope}", h.clients()::withdrawScope);
        post("/api/v1/oauth/clients/{client_id}/webhook-secret", h.webhooks()::rotateSecret);
        get("/api/v1/oauth/clients/{client_id}/webhook-deliveries", h.webhooks()::deliveries);
        post("/api/v1/oauth/clients/{client_id}/webhook-deliveries/{id}/redeliver", h.webhooks()::redeliver);
        post("/api/v1/events", h.webhooks()::publish);
        get("/oauth/install/{platform}", h.vault()::installPage);
        post("/oauth/install/{platform}", h.vault()::install);
        get("/oauth/callback/{platform}", h.vault()::callback);
        get("/oauth/token/{platform}", h.vault()::token);
        get("/oauth/installations", h.vault()::list);
        get("/api/v1/connections", h.vault()::list);
        delete("/oauth/installations/{id}", h.vault()::disconnect);
        delete("/api/v1/connections/{id}", h.vault()::disconnect);
        get("/oauth/status", h.vault()::status);
        post("/webhooks/github", h.providerWebhooks()::github);
        post("/webhooks/slack", h.providerWebhooks()::slack);
        for (HandlerType method : List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS, HandlerType.POST,
                HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE)) {
            routes.add(new Route(method, "/proxy/{platform}/<path>", h.proxy()::proxy));
        }
        post("/api/v1/oauth/scopes", h.scopes()::create);
        get("/api/v1/oauth/scopes", h.scopes()::list);
        put("/api/v1/oauth/scopes/{scope_id}", h.scopes()::update);
        delete("/api/v1/oauth/scopes/{scope_id}", h.scopes()::delete);
        get("/api/v1/admin/signing-keys", h.signingKeys()::list);
        post("/api/v1/admin/signing-keys/rotate", h.signingKeys()::rotate);
    }

    /** Every route: the API's and the console's. */
    public List<Route> all() {
        var all = new ArrayList<>(routes);
        all.addAll(consoleRoutes);
        return List.copyOf(all);
    }

    /** The routes the OpenAPI document describes: the API, the OAuth endpoints and their pages. */
    public List<Route> api() {
        return List.copyOf(routes);
    }

    /** The console's pages and forms. */
    public List<Route> console() {
        return List.copyOf(consoleRoutes);
    }

    /** A console page for the signed-in person (a visitor is sent to sign in). */
    private void page(String path, String section, ConsolePages.Page page) {
        consoleRoutes.add(new Route(HandlerType.GET, path, console.page(section, page)));
    }

    /** A console form for the signed-in person, run only once its CSRF token matched. */
    private void form(String path, String section, ConsolePages.Form form) {
        consoleRoutes.add(new Route(HandlerType.POST, path, console.form(section, form)));
    }

    /** A console page anyone may open (the start page, sign-up). */
    private void openPage(String path, Handler handler) {
        consoleRoutes.add(new Route(HandlerType.GET, path, handler));
    }

    /** A form posted before a session exists; it checks its own double-submit CSRF cookie. */
    private void openForm(String path, Handler handler) {
        consoleRoutes.add(new Route(HandlerType.POST, path, handler));
    }

    private void get(String path, Handler handler) {
        routes.add(new Route(HandlerType.GET, path, handler));
    }

    private void post(String path, Handler handler) {
        routes.add(new Route(HandlerType.POST, path, handler));
    }

    private void put(String path, Handler handler) {
        routes.add(new Route(HandlerType.PUT, path, handler));
    }

    private void delete(String path, Handler handler) {
        routes.add(new Route(HandlerType.DELETE, path, handler));
    }
}
