package gatehouse.jwt;

import gatehouse.auth.CallerSource;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/admin/signing-keys}: platform admins list and rotate the JWT signing keys. */
public final class SigningKeyRoutes {
    private final SigningKeys keys;
    private final CallerSource callers;

    public SigningKeyRoutes(SigningKeys keys, CallerSource callers) {
        this.keys = keys;
        this.callers = callers;
    }

    public void list(Context ctx) {
        Responses.ok(ctx, body(keys.list(callers.requireManager(ctx))));
    }

    public void rotate(Context ctx) {
        Responses.ok(ctx, body(keys.rotate(callers.requireManager(ctx))));
    }

    private static Map<String, Object> body(List<SigningKey> all) {
        return Map.of("keys", all.stream().map(SigningKey::view).toList());
    }
}
