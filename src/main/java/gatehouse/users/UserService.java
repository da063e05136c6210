package gatehouse.users;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.audit.RequestOrigin;
import gatehouse.auth.Caller;
import gatehouse.errors.OAuthException;
import gatehouse.mail.Email;
import gatehouse.ratelimit.GuessThrottle;
import gatehouse.ratelimit.RegistrationThrottle;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.TokenService;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registration, password login and the bootstrap admin. */
public final class UserService {
    private static final Logger log = LoggerFactory.getLogger(UserService.class);
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Set<String> ROLES = Set.of(User.ROLE_ADMIN, User.ROLE_USER);
    public static final int MAX_USERNAME = 254;
    public static final int MAX_NAME = 200;
    public static final String EMAIL_NOT_VERIFIED =
            "the email address is not verified yet: open the link in the verification email (a new one is on its way)";

    private final Database database;
    private final UserRepository users;
    private final SessionRepository sessions;
    private final TokenService tokens;
    private final AuditLog audit;
    private final GuessThrottle throttle;
    private final RegistrationThrottle registrations;
    private final AccountEmails emails;
    private final Clock clock;
    private final boolean registrationOpen;
    private final boolean requireVerifiedEmail;

    public UserService(Database database, UserRepository users, SessionRepository sessions,
                       TokenService tokens, AuditLog audit, GuessThrottle throttle,
                       RegistrationThrottle registrations,
                       AccountEmails emails, Clock clock, boolean registrationOpen, boolean requireVerifiedEmail) {
        this.database = database;
        this.users = users;
        this.sessions = sessions;
        this.tokens = tokens;
        this.audit = audit;
        this.throttle = throttle;
        this.registrations = registrations;
        this.emails = emails;
        this.clock = clock;
        this.registrationOpen = registrationOpen;
        this.requireVerifiedEmail = requireVerifiedEmail;
    }

    /** Whether anyone may create an account (GATEHOUSE_REGISTRATION_OPEN), not only admins. */
    public boolean registrationOpen() {
        return registrationOpen;
    }

    /** A registration as the API receives it; {@code roles} null means "user". */
    public record Registration(String username, String password, String name, List<String> roles) {
    }

    /**
     * Creates a user and emails them a verification link (sent once the user is committed). Anyone
     * may register while registration is open; only admins may set roles or register while it is
     * closed. A taken username is 409. The cheap checks come first, then the per-IP budget (not for
     * admins), then a lookup of the username; only then is the password hashed, so a flood of bad
     * or repeated registrations costs no Argon2 time.
     */
    public User register(Registration registration, Caller caller) {
        boolean admin = caller != null && caller.isPlatformAdmin();
        if (!registrationOpen && !admin) {
            throw OAuthException.forbidden("registration is closed");
        }
        if (registration.roles() != null && !admin) {
            throw OAuthException.forbidden("only admins may set roles");
        }
        String username = normalizeEmail(registration.username());
        String violation = Passwords.policyViolation(registration.password());
        if (violation != null) {
            throw OAuthException.validation(violation);
        }
        List<String> roles = validRoles(registration.roles());
        String name = validName(registration.name());
        if (!admin) {
            String ip = RequestOrigin.current().ip();
            registrations.spend(ip, () -> audit.recordFailure(Actor.ANONYMOUS,
                    AuditLog.Event.of("rate_limit.exceeded").details(Map.of("limit", "registrations"))));
        }
        if (database.withHandle(handle -> users.findByUsername(handle, username)).isPresent()) {
            throw usernameTaken();
        }
        User user = newUser(username, registration.password(), name, roles, false);
        Actor actor = caller != null ? caller.auditActor() : Actor.user(user.id(), null);
        var verification = database.inTransaction(handle -> {
            // Checked above already; the insert still settles a race between two registrations.
            if (!users.insert(handle, user)) {
                return Optional.<Email>empty();
            }
            audit.record(handle, actor, AuditLog.Event.of("user.created")
                    .details(Map.of("user_id", user.id().toString(), "username", username, "roles", roles)));
            return Optional.of(emails.verificationEmail(handle, user));
        });
        emails.send(verification.orElseThrow(UserService::usernameTaken));
        log.info("user registered: id={} roles={}", user.id(), roles);
        return user;
    }

    private static OAuthException usernameTaken() {
        return OAuthException.conflict("a user with this username already exists");
    }

    /**
     * The user whose username and password match, or empty. Takes the same time whether or not the
     * username exists, so the answer does not tell which. With GATEHOUSE_REQUIRE_VERIFIED_EMAIL, a
     * right password of an unverified account is refused with 403 (and a new link is sent): only
     * the account's owner learns that, since it takes the password.
     */
    public Optional<User> authenticate(String username, String password) {
        if (username == null || password == null || username.length() > MAX_USERNAME
                || password.length() > Passwords.MAX_LENGTH) {
            return Optional.empty();
        }
        String ip = RequestOrigin.current().ip();
        throttle.checkAllowed(username, ip, () -> audit.recordFailure(Actor.ANONYMOUS,
                AuditLog.Event.of("rate_limit.exceeded")
                        .details(Map.of("limit", "login_failures", "username", clip(username.trim())))));
        Optional<User> user = database.withHandle(handle -> users.findByUsername(handle, username.trim()));
        if (user.isEmpty()) {
            Passwords.verifyDummy(password);
            throttle.recordFailure(username, ip);
            return loginFailed(username);
        }
        if (!Passwords.verify(password, user.get().passwordHash()) || user.get().disabled()) {
            throttle.recordFailure(username, ip);
            return loginFailed(username);
        }
        if (requireVerifiedEmail && !user.get().emailVerified()) {
            audit.recordFailure(Actor.user(user.get().id(), null), AuditLog.Event.of("login.failed")
                    .details(Map.of("username", user.get().username(), "reason", "email_not_verified")));
            emails.resendVerification(user.get());
            throw OAuthException.forbidden(EMAIL_NOT_VERIFIED);
        }
        database.withHandle(handle -> {
            audit.record(handle, Actor.user(user.get().id(), null), AuditLog.Event.of("login.succeeded"));
            return null;
        });
        return user;
    }

    /** Every user, or those whose email or name contains {@code search}; for admins. */
    public Page<User> list(Caller caller, String search, PageRequest page) {
        requireAdmin(caller);
        if (search != null && search.length() > MAX_USERNAME) {
            throw OAuthException.validation("q must be at most " + MAX_USERNAME + " characters");
        }
        String term = search == null || search.isBlank() ? null : search.strip();
        return Page.of(database.withHandle(handle -> users.list(handle, term, page)), page.limit(), User::id);
    }

    /** PUT /api/v1/users/profile: the caller changes their own display name. */
    public User updateProfile(Caller caller, String name) {
        if (caller.userId() == null) {
            throw OAuthException.forbidden("an app token has no profile");
        }
        return change(caller, caller.userId(), name, null, null);
    }

    /**
     * PUT /api/v1/users/{id} by an admin: name, roles, disabled. Disabling ends the user's browser
     * sessions and revokes every token acting as them, in the same transaction. Admins do not
     * demote or disable themselves (the last admin would lock everyone out).
     */
    public User adminUpdate(Caller caller, UUID userId, String name, List<String> roles, Boolean disabled) {
        requireAdmin(caller);
        if (userId.equals(caller.userId()) && (Boolean.TRUE.equals(disabled)
                || (roles != null && !roles.contains(User.ROLE_ADMIN)))) {
            throw OAuthException.conflict("you cannot disable yourself or remove your own admin role");
        }
        return change(caller, userId, name, roles == null ? null : validRoles(roles), disabled);
    }

    /** DELETE /api/v1/users/{id} by an admin: everything the user held goes with them. */
    public void delete(Caller caller, UUID userId) {
        requireAdmin(caller);
        if (userId.equals(caller.userId())) {
            throw OAuthException.conflict("you cannot delete yourself");
        }
        boolean deleted = database.inTransaction(handle -> {
            if (!users.delete(handle, userId)) {
                return false;
            }
            tokens.forgetCached(handle);
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("user.deleted")
                    .details(Map.of("user_id", userId.toString())));
            return true;
        });
        if (!deleted) {
            throw OAuthException.notFound("no such user");
        }
        log.info("user deleted: id={}", userId);
    }

    /**
     * PUT /api/v1/users/password: a signed-in person changes their own password, proving the
     * current one. Wrong guesses count against the same lockout as sign-in. Every other browser
     * session ends (whoever else held the old password is out); OAuth grants stay, since the user
     * gave them knowingly and a reset, not a change, is the answer to a stolen account.
     */
    public void changePassword(Caller caller, String currentPassword, String newPassword) {
        if (!caller.isSession()) {
            throw OAuthException.forbidden("only a signed-in person changes a password, not a token");
        }
        if (currentPassword == null || newPassword == null) {
            throw OAuthException.validation((currentPassword == null ? "current_password" : "new_password") + " is required");
        }
        String violation = Passwords.policyViolation(newPassword);
        if (violation != null) {
            throw OAuthException.validation("new_password: " + violation);
        }
        User user = get(caller.userId());
        String ip = RequestOrigin.current().ip();
        throttle.checkAllowed(user.username(), ip, () -> { });
        if (currentPassword.length() > Passwords.MAX_LENGTH || !Passwords.verify(currentPassword, user.passwordHash())) {
            throttle.recordFailure(user.username(), ip);
            audit.recordFailure(caller.auditActor(), AuditLog.Event.of("password.change_failed"));
            throw OAuthException.validation("current_password is not your current password");
        }
        String hash = Passwords.hash(newPassword);
        Instant now = clock.instant();
        database.inTransaction(handle -> {
            users.changePassword(handle, user.id(), hash, now);
            int ended = sessions.endOthers(handle, user.id(), caller.sessionId(), now);
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("password.changed")
                    .details(Map.of("user_id", user.id().toString(), "sessions_ended", ended)));
            return null;
        });
    }

    private User change(Caller caller, UUID userId, String name, List<String> roles, Boolean disabled) {
        if (name != null && name.strip().length() > MAX_NAME) {
            throw OAuthException.validation("name must be at most " + MAX_NAME + " characters");
        }
        Instant now = clock.instant();
        return database.inTransaction(handle -> {
            User current = users.findById(handle, userId).orElseThrow(() -> OAuthException.notFound("no such user"));
            var updated = new User(current.id(), current.username(), current.passwordHash(),
                    name == null ? current.name() : name.strip(), roles == null ? current.roles() : roles,
                    current.emailVerified(), disabled == null ? current.disabled() : disabled, current.createdAt(), now);
            users.update(handle, updated);
            tokens.forgetCached(handle);
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("user.updated").details(Map.of(
                    "user_id", userId.toString(), "roles", updated.roles(), "disabled", updated.disabled())));
            if (updated.disabled() && !current.disabled()) {
                sessions.endAll(handle, userId, now);
                tokens.revokeAllOfUser(handle, userId);
            }
            return updated;
        });
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only admins may manage users");
        }
    }

    /** Records the failure (the name tried, never the password) and answers "no such login". */
    private Optional<User> loginFailed(String username) {
        audit.recordFailure(Actor.ANONYMOUS, AuditLog.Event.of("login.failed")
                .details(Map.of("username", clip(username.trim()))));
        return Optional.empty();
    }

    private static String clip(String text) {
        return text.length() > 100 ? text.substring(0, 100) : text;
    }

    public User get(UUID id) {
        return database.withHandle(handle -> users.findById(handle, id))
                .orElseThrow(() -> OAuthException.notFound("no such user"));
    }

    public Optional<User> findByUsername(String username) {
        return database.withHandle(handle -> users.findByUsername(handle, username));
    }

    /** The user with this username, read in the caller's transaction. */
    public Optional<User> findByUsername(Handle handle, String username) {
        return users.findByUsername(handle, username);
    }

    /**
     * Creates the configured admin if no user has that username (docs/security.md, "Callers"); never changes an
     * existing user. Without configuration, says in the log how to get a first admin.
     */
    public void bootstrapAdmin(String username, String password) {
        if (username == null) {
            if (!database.withHandle(users::anyAdmin)) {
                log.warn("no admin user exists: set GATEHOUSE_ADMIN_USERNAME and GATEHOUSE_ADMIN_PASSWORD "
                        + "(10 to 256 characters) and restart to create one");
            }
            return;
        }
        String violation = Passwords.policyViolation(password);
        if (violation != null) {
            throw new IllegalArgumentException("GATEHOUSE_ADMIN_PASSWORD: " + violation);
        }
        String normalized = username.trim().toLowerCase(Locale.ROOT);
        if (database.withHandle(handle -> users.findByUsername(handle, normalized)).isPresent()) {
            return; // every start but the first: no Argon2 hash to make (and throw away) at start
        }
        // The operator chose this address: nothing to prove by email.
        User admin = newUser(normalized, password, "Administrator", List.of(User.ROLE_ADMIN), true);
        if (database.withHandle(handle -> users.insert(handle, admin))) {
            log.info("bootstrap admin created: {}", normalized);
        }
    }

    private User newUser(String username, String password, String name, List<String> roles, boolean emailVerified) {
        String cleanName = validName(name);
        String hash = Passwords.hash(password);
        Instant now = clock.instant();
        return new User(Ids.newId(), username, hash, cleanName, roles, emailVerified, false, now, now);
    }

    private static String validName(String name) {
        String cleanName = name == null ? "" : name.strip();
        if (cleanName.length() > MAX_NAME) {
            throw OAuthException.validation("name must be at most " + MAX_NAME + " characters");
        }
        return cleanName;
    }

    private static String normalizeEmail(String username) {
        if (username == null || username.isBlank()) {
            throw OAuthException.validation("username is required");
        }
        String trimmed = username.trim();
        if (trimmed.length() > MAX_USERNAME || !EMAIL.matcher(trimmed).matches()) {
            throw OAuthException.validation("username must be an email address");
        }
        return trimmed.toLowerCase(Locale.ROOT);
    }

    private static List<String> validRoles(List<String> roles) {
        if (roles == null || roles.isEmpty()) {
            return List.of(User.ROLE_USER);
        }
        for (String role : roles) {
            if (!ROLES.contains(role)) {
                throw OAuthException.validation("roles may contain only " + ROLES);
            }
        }
        return roles.stream().distinct().toList();
    }
}
