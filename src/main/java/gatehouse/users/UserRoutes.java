package gatehouse.users;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.errors.OAuthException;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;

/** {@code /api/v1/users}: registration and the caller's own profile. */
public final class UserRoutes {
    private static final int MAX_TOKEN = 100;

    private final UserService users;
    private final AccountEmails emails;
    private final CallerSource callers;

    public UserRoutes(UserService users, AccountEmails emails, CallerSource callers) {
        this.users = users;
        this.emails = emails;
        this.callers = callers;
    }

    /** POST /api/v1/users — open registration, or an admin creating a user. */
    public void register(Context ctx) {
        JsonBody body = Bodies.json(ctx);
        Caller caller = callers.optional(ctx).orElse(null);
        var registration = new UserService.Registration(
                body.string("username", UserService.MAX_USERNAME + 1),
                body.string("password", Passwords.MAX_LENGTH + 1),
                body.string("name", UserService.MAX_NAME + 1),
                body.strings("roles", 10, 50));
        Responses.created(ctx, users.register(registration, caller).view());
    }

    /** GET /api/v1/users (admins) */
    public void list(Context ctx) {
        var query = Bodies.query(ctx);
        Responses.ok(ctx, users.list(callers.requireManager(ctx), query.get("q"),
                Bodies.page(ctx)).map(User::view));
    }

    /** PUT /api/v1/users/profile */
    public void updateProfile(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Responses.ok(ctx, users.updateProfile(caller, body.string("name", UserService.MAX_NAME + 1)).view());
    }

    /** PUT /api/v1/users/password {current_password, new_password} — from a browser session only. */
    public void changePassword(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        users.changePassword(caller, body.string("current_password", Passwords.MAX_LENGTH + 1),
                body.string("new_password", Passwords.MAX_LENGTH + 1));
        Responses.noContent(ctx);
    }

    /** PUT /api/v1/users/{user_id} (admins) */
    public void update(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        var userId = JsonBody.parseUuid("user_id", ctx.pathParam("user_id"));
        Responses.ok(ctx, users.adminUpdate(caller, userId, body.string("name", UserService.MAX_NAME + 1),
                body.strings("roles", 10, 50), body.bool("disabled")).view());
    }

    /** DELETE /api/v1/users/{user_id} (admins) */
    public void delete(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        users.delete(caller, JsonBody.parseUuid("user_id", ctx.pathParam("user_id")));
        Responses.noContent(ctx);
    }

    /** GET /api/v1/users/me */
    public void me(Context ctx) {
        Caller caller = callers.require(ctx);
        if (caller.userId() == null) {
            throw OAuthException.forbidden("an app token has no user");
        }
        Responses.ok(ctx, users.get(caller.userId()).view());
    }

    /** POST /api/v1/users/verify-email — {token} verifies (200 with the user); {username} resends (202). */
    public void verifyEmail(Context ctx) {
        JsonBody body = Bodies.json(ctx);
        if (exactlyOne(body, "token", "username").equals("token")) {
            Responses.ok(Responses.noStore(ctx), emails.verifyEmail(body.string("token", MAX_TOKEN)).view());
            return;
        }
        emails.resendVerification(username(body));
        Responses.json(ctx, 202, Map.of("message",
                "if the account exists and is not verified yet, a verification email is on its way"));
    }

    /**
     * POST /api/v1/users/reset-password — {username} asks for a reset email (202 whether or not
     * the account exists); {token, new_password} sets the password (200).
     */
    public void resetPassword(Context ctx) {
        JsonBody body = Bodies.json(ctx);
        if (exactlyOne(body, "token", "username").equals("token")) {
            emails.resetPassword(body.string("token", MAX_TOKEN), body.string("new_password", Passwords.MAX_LENGTH + 1));
            Responses.ok(Responses.noStore(ctx), Map.of("message",
                    "password changed; every session and token of the account has ended"));
            return;
        }
        if (body.has("new_password")) {
            throw OAuthException.validation("new_password goes with token, not with username");
        }
        emails.requestPasswordReset(username(body));
        Responses.json(ctx, 202, Map.of("message", "if the account exists, a reset email is on its way"));
    }

    private static String username(JsonBody body) {
        return body.requiredString("username", UserService.MAX_USERNAME);
    }

    /** Which of two mutually exclusive members the body has; 400 when it has both or neither. */
    private static String exactlyOne(JsonBody body, String first, String second) {
        if (body.has(first) == body.has(second)) {
            throw OAuthException.validation("send either " + first + " or " + second);
        }
        return body.has(first) ? first : second;
    }
}
