package gatehouse.users;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.audit.RequestOrigin;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.mail.Email;
import gatehouse.mail.MailQueue;
import gatehouse.store.Database;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.tokens.TokenService;
import gatehouse.users.UserTokenRepository.Purpose;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two things Gatehouse proves by email (docs/http.md, "The management API"): that a user receives mail at their
 * username (verification), and that whoever resets a password does (reset). Each link carries a
 * single-use token stored only as its SHA-256 hash; only the newest link of a kind works.
 *
 * <p>Requests that name an account ({@code {username}} to resend, to reset) answer the same
 * whether or not it exists: the lookup and the email happen in the background, and a user is sent
 * at most one link of a kind per minute, so nobody can flood an inbox through Gatehouse.
 */
public final class AccountEmails {
    private static final Logger log = LoggerFactory.getLogger(AccountEmails.class);
    static final Duration VERIFICATION_TTL = Duration.ofHours(24);
    static final Duration RESET_TTL = Duration.ofHours(1);
    static final Duration RESEND_PAUSE = Duration.ofMinutes(1);

    private final Database database;
    private final UserRepository users;
    private final UserTokenRepository links;
    private final SessionRepository sessions;
    private final TokenService tokens;
    private final AuditLog audit;
    private final TokenCodec codec;
    private final MailQueue mail;
    private final String issuer;
    private final Clock clock;

    public AccountEmails(Database database, UserRepository users, UserTokenRepository links, SessionRepository sessions,
                         TokenService tokens, AuditLog audit, TokenCodec codec, MailQueue mail, String issuer,
                         Clock clock) {
        this.database = database;
        this.users = users;
        this.links = links;
        this.sessions = sessions;
        this.tokens = tokens;
        this.audit = audit;
        this.codec = codec;
        this.mail = mail;
        this.issuer = issuer;
        this.clock = clock;
    }

    /** Issues a verification link in the caller's transaction; send the email once it commits. */
    Email verificationEmail(Handle handle, User user) {
        String token = issue(handle, user.id(), Purpose.VERIFY_EMAIL, TokenKind.EMAIL_VERIFICATION, VERIFICATION_TTL);
        return new Email(user.username(), "Verify your email address", """
                Please confirm that %s is your email address by opening this link within 24 hours:

                %s/verify-email?token=%s

                If you did not create an account, you can ignore this email.
                """.formatted(user.username(), issuer, token));
    }

    void send(Email email) {
        mail.send(email);
    }

    /** {@code POST /users/verify-email {username}}: a new link, if the account exists and still needs one. */
    public void resendVerification(String username) {
        inBackground(() -> findUser(username)
                .filter(user -> !user.emailVerified() && !user.disabled())
                .ifPresent(this::resendVerification));
    }

    /** Sends a new verification link unless one went out less than a minute ago. */
    void resendVerification(User user) {
        database.inTransaction(handle -> recentlySent(handle, user.id(), Purpose.VERIFY_EMAIL)
                ? Optional.<Email>empty()
                : Optional.of(verificationEmail(handle, user)))
                .ifPresent(mail::send);
    }

    /** {@code POST /users/verify-email {token}}: uses the link up and marks the address verified. */
    public User verifyEmail(String token) {
        byte[] hash = wellFormedHash(TokenKind.EMAIL_VERIFICATION, token);
        Instant now = clock.instant();
        return database.inTransaction(handle -> {
            UUID userId = links.consume(handle, Purpose.VERIFY_EMAIL, hash, now).orElseThrow(AccountEmails::badLink);
            users.markEmailVerified(handle, userId, now);
            tokens.forgetCached(handle);
            audit.record(handle, Actor.user(userId, null), AuditLog.Event.of("user.email_verified")
                    .details(Map.of("user_id", userId.toString())));
            return users.findById(handle, userId).orElseThrow(AccountEmails::badLink);
        });
    }

    /** {@code POST /users/reset-password {username}}: emails a reset link if the account exists. */
    public void requestPasswordReset(String username) {
        inBackground(() -> findUser(username).filter(user -> !user.disabled()).ifPresent(this::sendResetLink));
    }

    private void sendResetLink(User user) {
        database.inTransaction(handle -> {
            if (recentlySent(handle, user.id(), Purpose.RESET_PASSWORD)) {
                return Optional.<Email>empty();
            }
            String token = issue(handle, user.id(), Purpose.RESET_PASSWORD, TokenKind.PASSWORD_RESET, RESET_TTL);
            audit.record(handle, Actor.ANONYMOUS, AuditLog.Event.of("password.reset_requested")
                    .details(Map.of("user_id", user.id().toString())));
            return Optional.of(new Email(user.username(), "Reset your password", """
                    Someone, hopefully you, asked to reset the password of %s.
                    To choose a new password, open this link within 1 hour:

                    %s/reset-password?token=%s

                    If you did not ask for this, ignore this email: your password stays as it is.
                    """.formatted(user.username(), issuer, token)));
        }).ifPresent(mail::send);
    }

    /**
     * {@code POST /users/reset-password {token, new_password}}: sets the password, then ends every
     * browser session and revokes every token of the user — whoever held the old password is out.
     * The new password is checked before the link is used, so a refused password does not spend it.
     */
    public void resetPassword(String token, String newPassword) {
        if (newPassword == null) {
            throw OAuthException.validation("new_password is required");
        }
        String violation = Passwords.policyViolation(newPassword);
        if (violation != null) {
            throw OAuthException.validation("new_password: " + violation);
        }
        byte[] hash = wellFormedHash(TokenKind.PASSWORD_RESET, token);
        Instant now = clock.instant();
        // The checksum is no secret, so a forged link passes it: look the link up before spending an
        // Argon2 hash on it, or anyone could keep the hashing threads busy.
        if (!database.withHandle(handle -> links.isLive(handle, Purpose.RESET_PASSWORD, hash, now))) {
            throw badLink();
        }
        String passwordHash = Passwords.hash(newPassword);
        UUID userId = database.inTransaction(handle -> {
            UUID id = links.consume(handle, Purpose.RESET_PASSWORD, hash, now).orElseThrow(AccountEmails::badLink);
            if (users.findById(handle, id).map(User::disabled).orElse(true)) {
                throw badLink(); // rolls the consumption back; a disabled account stays disabled
            }
            users.resetPassword(handle, id, passwordHash, now);
            links.deleteAll(handle, id);
            int ended = sessions.endAll(handle, id, now);
            tokens.revokeAllOfUser(handle, id);
            audit.record(handle, Actor.user(id, null), AuditLog.Event.of("password.reset")
                    .details(Map.of("user_id", id.toString(), "sessions_ended", ended)));
            return id;
        });
        log.info("password reset: user={}", userId);
    }

    private String issue(Handle handle, UUID userId, Purpose purpose, TokenKind kind, Duration ttl) {
        String token = codec.generate(kind);
        Instant now = clock.instant();
        links.replace(handle, userId, purpose, TokenCodec.hash(token), now, now.plus(ttl));
        return token;
    }

    /**
     * Whether a link of {@code purpose} went out within the pause. Locks first, so two requests at
     * once cannot both pass and leave two live links.
     */
    private boolean recentlySent(Handle handle, UUID userId, Purpose purpose) {
        links.lock(handle, userId, purpose);
        return links.issuedSince(handle, userId, purpose, clock.instant().minus(RESEND_PAUSE));
    }

    private Optional<User> findUser(String username) {
        return database.withHandle(handle -> users.findByUsername(handle, username.trim()));
    }

    /** Runs {@code task} after the answer, with this request's origin for the audit log. */
    private void inBackground(Runnable task) {
        RequestOrigin.Origin origin = RequestOrigin.current();
        mail.submit(() -> {
            RequestOrigin.set(origin.ip(), origin.userAgent());
            try {
                task.run();
            } finally {
                RequestOrigin.clear();
            }
        });
    }

    /** The token's hash, or 400 when it is not even shaped like a link of {@code kind} (no database read). */
    private byte[] wellFormedHash(TokenKind kind, String token) {
        if (token == null) {
            throw OAuthException.validation("token is required");
        }
        if (!codec.isWellFormed(kind, token)) {
            throw badLink();
        }
        return TokenCodec.hash(token);
    }

    private static OAuthException badLink() {
        return OAuthException.of(OAuthError.INVALID_GRANT, "the link is invalid, expired or already used");
    }
}
