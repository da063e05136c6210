package gatehouse.scopes;

import gatehouse.auth.Caller;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.TokenService;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/** The scope catalog: admins edit it; everyone may read it; built-in scopes cannot be removed. */
public final class ScopeService {
    /**
     * Told when a scope's restriction flips, since what every app may use changes with it (the app
     * cache listens): {@code changed} in the edit's transaction, {@code committed} after it.
     */
    public interface RestrictionChanges {
        void changed(Handle handle);

        void committed();
    }

    public static final int MAX_NAME = 128;
    public static final int MAX_DESCRIPTION = 1000;

    private final Database database;
    private final ScopeRepository scopes;
    private final TokenService tokens;
    private final RestrictionChanges restrictionChanges;
    private final Clock clock;

    public ScopeService(Database database, ScopeRepository scopes, TokenService tokens, RestrictionChanges restrictionChanges,
                        Clock clock) {
        this.database = database;
        this.scopes = scopes;
        this.tokens = tokens;
        this.restrictionChanges = restrictionChanges;
        this.clock = clock;
    }

    public Scope create(Caller caller, String name, String description, Boolean restricted) {
        requireAdmin(caller);
        if (!isScopeToken(name)) {
            throw OAuthException.validation("name must be 1 to " + MAX_NAME
                    + " printable ASCII characters without spaces, quotes or backslashes (RFC 6749 §3.3)");
        }
        Instant now = clock.instant();
        var scope = new Scope(Ids.newId(), name, description == null ? "" : description,
                Boolean.TRUE.equals(restricted), false, now, now);
        if (!database.withHandle(handle -> scopes.insert(handle, scope))) {
            throw OAuthException.conflict("a scope with this name already exists");
        }
        return scope;
    }

    public Page<Scope> list(PageRequest page) {
        return Page.of(database.withHandle(handle -> scopes.list(handle, page)), page.limit(), Scope::id);
    }

    /**
     * Changes description and restriction. The name is the key apps refer to, so it stays. Every
     * app's allowed scopes read the restriction, so a change of it makes every node forget every
     * app; a scope becoming restricted is withdrawn at once from the apps no admin approved it for
     * (their live access tokens carrying it are revoked in this transaction).
     */
    public Scope update(Caller caller, UUID id, String name, String description, Boolean restricted) {
        requireAdmin(caller);
        Scope changed = database.inTransaction(handle -> {
            Scope current = scopes.find(handle, id).orElseThrow(() -> OAuthException.notFound("no such scope"));
            if (name != null && !name.equals(current.name())) {
                throw OAuthException.validation("a scope's name cannot change; create a new scope instead");
            }
            var updated = new Scope(id, current.name(),
                    description == null ? current.description() : description,
                    restricted == null ? current.restricted() : restricted,
                    current.builtin(), current.createdAt(), clock.instant());
            scopes.update(handle, updated);
            if (updated.restricted() != current.restricted()) {
                applyRestrictionChange(handle, updated);
            }
            return updated;
        });
        restrictionChanges.committed();
        return changed;
    }

    private void applyRestrictionChange(Handle handle, Scope scope) {
        if (scope.restricted()) {
            tokens.revokeCarryingUnapprovedScope(handle, scope.name());
        }
        restrictionChanges.changed(handle);
    }

    public void delete(Caller caller, UUID id) {
        requireAdmin(caller);
        database.inTransaction(handle -> {
            Scope scope = scopes.find(handle, id).orElseThrow(() -> OAuthException.notFound("no such scope"));
            if (scope.builtin()) {
                throw OAuthException.conflict("built-in scopes cannot be deleted");
            }
            if (scopes.inUse(handle, scope.name())) {
                throw OAuthException.conflict("the scope is used by an app");
            }
            scopes.delete(handle, id);
            return null;
        });
    }

    /** The catalog entries for {@code names}, keyed by name; unknown names are simply absent. */
    public Map<String, Scope> lookup(Collection<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        return database.withHandle(handle -> scopes.findByNames(handle, names)).stream()
                .collect(Collectors.toMap(Scope::name, Function.identity()));
    }

    public List<String> allNames() {
        return database.withHandle(scopes::allNames);
    }

    /** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
    public static boolean isScopeToken(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x21 || c == 0x22 || c == 0x5C || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /**
     * Splits a space-delimited scope parameter into its tokens, in order, without duplicates.
     * Null or blank gives an empty set; a malformed token is invalid_scope.
     */
    public static Set<String> parse(String scope) {
        Set<String> tokens = new LinkedHashSet<>();
        if (scope == null || scope.isBlank()) {
            return tokens;
        }
        for (String token : scope.split(" ")) {
            if (token.isEmpty()) {
                continue;
            }
            if (!isScopeToken(token)) {
                throw OAuthException.of(OAuthError.INVALID_SCOPE, "the scope parameter is malformed");
            }
            tokens.add(token);
        }
        return tokens;
    }

    public static String join(Collection<String> scopes) {
        return String.join(" ", scopes);
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only admins may change the scope catalog");
        }
    }
}
