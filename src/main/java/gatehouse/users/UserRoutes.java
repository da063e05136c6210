package gatehouse.users;

import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;

/** {@code /api/v1/users}: registration and the caller's own profile. */
public final class UserRoutes {
    private final UserService users;
    private final CallerSource callers;

    public UserRoutes(UserService users, CallerSource callers) {
        this.users = users;
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
        Responses.ok(ctx, users.list(callers.requireManager(ctx),
                Bodies.page(ctx)).map(User::view));
    }

    /** PUT /api/v1/users/profile */
    public void updateProfile(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Responses.ok(ctx, users.updateProfile(caller, body.string("name", UserService.MAX_NAME + 1)).view());
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
            throw gatehouse.errors.OAuthException.forbidden("an app token has no user");
        }
        Responses.ok(ctx, users.get(caller.userId()).view());
    }
}
