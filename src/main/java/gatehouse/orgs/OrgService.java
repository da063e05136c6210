package gatehouse.orgs;

import gatehouse.auth.ActorMode;
import gatehouse.auth.Caller;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.TokenService;
import gatehouse.users.UserService;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Organizations and memberships. Members see their organization; owners and admins manage its
 * members; platform admins see and manage all. An organization a caller may not see answers 404,
 * so IDs do not reveal what exists.
 */
public final class OrgService {
    private static final Pattern SLUG = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    private static final Set<String> ROLES = Set.of(Membership.OWNER, Membership.ADMIN, Membership.MEMBER);
    public static final int MAX_NAME = 200;
    /** Slugs of organizations Gatehouse makes itself (open client registration's), which users cannot take. */
    public static final Set<String> RESERVED_SLUGS = Set.of("dynamic-clients");

    private final Database database;
    private final OrgRepository orgs;
    private final UserService users;
    private final TokenService tokens;
    private final Clock clock;
    private final boolean requireVerifiedEmail;

    /** {@code requireVerifiedEmail}: GATEHOUSE_REQUIRE_VERIFIED_EMAIL; then only verified users become members. */
    public OrgService(Database database, OrgRepository orgs, UserService users, TokenService tokens, Clock clock,
                      boolean requireVerifiedEmail) {
        this.requireVerifiedEmail = requireVerifiedEmail;
        this.database = database;
        this.orgs = orgs;
        this.users = users;
        this.tokens = tokens;
        this.clock = clock;
    }

    /** Creates an organization with the caller as its owner. A given slug that is taken is 409. */
    public Organization create(Caller caller, String name, String slug) {
        requireUser(caller);
        if (name == null || name.isBlank() || name.strip().length() > MAX_NAME) {
            throw OAuthException.validation("name is required and must be at most " + MAX_NAME + " characters");
        }
        if (slug != null && !SLUG.matcher(slug).matches()) {
            throw OAuthException.validation("slug must be 1 to 63 lowercase letters, digits and inner hyphens");
        }
        Instant now = clock.instant();
        return database.inTransaction(handle -> {
            if (slug != null && RESERVED_SLUGS.contains(slug)) {
                throw OAuthException.conflict("this slug is reserved for Gatehouse's own organizations");
            }
            String chosen = slug != null ? slug : slugify(name);
            if (RESERVED_SLUGS.contains(chosen)) {
                chosen = chosen + "-" + Ids.newId().toString().substring(30);
            }
            var org = new Organization(Ids.newId(), name.strip(), chosen, caller.userId(), now);
            if (!orgs.insert(handle, org)) {
                if (slug != null) {
                    throw OAuthException.conflict("an organization with this slug already exists");
                }
                org = new Organization(org.id(), org.name(), chosen + "-" + org.id().toString().substring(30), caller.userId(), now);
                if (!orgs.insert(handle, org)) {
                    throw OAuthException.conflict("could not find a free slug; send one");
                }
            }
            orgs.addMember(handle, new Membership(org.id(), caller.userId(), null, Membership.OWNER, now));
            return org;
        });
    }

    /**
     * An organization Gatehouse itself fills (open client registration's): the one whose ID or slug
     * is {@code idOrSlug}; when none has that slug and {@code nameIfMissing} is given, made now, with
     * no members (platform admins see it). 503 when a configured one does not exist.
     */
    public UUID systemOrganization(String idOrSlug, String nameIfMissing) {
        return database.inTransaction(handle -> {
            Optional<Organization> found = asUuid(idOrSlug).flatMap(id -> orgs.find(handle, id))
                    .or(() -> orgs.findBySlug(handle, idOrSlug));
            if (found.isPresent()) {
                // A built-in one is Gatehouse's: made by nobody (its slug is reserved for users).
                if (nameIfMissing != null && found.get().createdBy() != null) {
                    throw OAuthException.of(OAuthError.TEMPORARILY_UNAVAILABLE,
                            "the built-in organization's slug belongs to a user's organization");
                }
                return found.get().id();
            }
            if (nameIfMissing == null) {
                throw OAuthException.of(OAuthError.TEMPORARILY_UNAVAILABLE,
                        "GATEHOUSE_DYNAMIC_REGISTRATION_ORGANIZATION names no organization");
            }
            var org = new Organization(Ids.newId(), nameIfMissing, idOrSlug, null, clock.instant());
            // Two first registrations at once: one inserts, the other finds it.
            return orgs.insert(handle, org) ? org.id() : orgs.findBySlug(handle, idOrSlug).orElseThrow().id();
        });
    }

    private static Optional<UUID> asUuid(String value) {
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public Page<Organization> list(Caller caller, boolean all, PageRequest page) {
        if (all && !caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only admins may list all organizations");
        }
        List<Organization> rows = database.withHandle(handle -> all
                ? orgs.listAll(handle, page)
                : orgs.listForUser(handle, caller.userId(), page));
        return Page.of(rows, page.limit(), Organization::id);
    }

    public Organization get(Caller caller, UUID orgId) {
        return database.withHandle(handle -> {
            Organization org = orgs.find(handle, orgId).orElseThrow(OrgService::noSuchOrg);
            if (!caller.isPlatformAdmin() && orgs.roleOf(handle, orgId, caller.userId()).isEmpty()) {
                throw noSuchOrg();
            }
            return org;
        });
    }

    /**
     * Adds a member; owners and admins may add, and only owners may make owners. While verified
     * emails are required, an unverified account cannot be used, so it cannot be made a member either.
     */
    public Membership addMember(Caller caller, UUID orgId, String username, String role) {
        if (username == null || username.isBlank()) {
            throw OAuthException.validation("username is required");
        }
        if (role == null || !ROLES.contains(role)) {
            throw OAuthException.validation("role must be one of owner, admin, member");
        }
        Instant now = clock.instant();
        return database.inTransaction(handle -> {
            String callerRole = requireAdministrator(handle, caller, orgId);
            if (Membership.OWNER.equals(role) && !Membership.OWNER.equals(callerRole) && !caller.isPlatformAdmin()) {
                throw OAuthException.forbidden("only owners may add owners");
            }
            var user = users.findByUsername(handle, username.trim())
                    .orElseThrow(() -> OAuthException.notFound("no user with this username"));
            if (requireVerifiedEmail && !user.emailVerified()) {
                throw OAuthException.conflict("this user has not verified their email address yet; ask them to"
                        + " verify it (the link is in the email Gatehouse sent them) before adding them");
            }
            var membership = new Membership(orgId, user.id(), user.username(), role, now);
            if (!orgs.addMember(handle, membership)) {
                throw OAuthException.conflict("the user is already a member");
            }
            return membership;
        });
    }

    public Page<Membership> members(Caller caller, UUID orgId, PageRequest page) {
        get(caller, orgId);
        List<Membership> rows = database.withHandle(handle -> orgs.listMembers(handle, orgId, page));
        return Page.of(rows, page.limit(), Membership::userId);
    }

    /** Removes a member; owners/admins may remove anyone, anyone may leave; the last owner stays. */
    public void removeMember(Caller caller, UUID orgId, UUID userId) {
        database.inTransaction(handle -> {
            // Serialized per organization, so two owners removing each other cannot leave none.
            orgs.lock(handle, orgId);
            String callerRole = null;
            if (!userId.equals(caller.userId())) {
                callerRole = requireAdministrator(handle, caller, orgId);
            } else if (orgs.roleOf(handle, orgId, userId).isEmpty()) {
                throw noSuchOrg();
            }
            Optional<String> role = orgs.roleOf(handle, orgId, userId);
            if (role.isEmpty()) {
                throw OAuthException.notFound("the user is not a member");
            }
            // Symmetric with adding: only owners (or platform admins) remove another owner.
            if (Membership.OWNER.equals(role.get()) && callerRole != null
                    && !Membership.OWNER.equals(callerRole) && !caller.isPlatformAdmin()) {
                throw OAuthException.forbidden("only owners may remove owners");
            }
            if (Membership.OWNER.equals(role.get()) && orgs.countOwners(handle, orgId) == 1) {
                throw OAuthException.conflict("an organization keeps at least one owner");
            }
            orgs.removeMember(handle, orgId, userId);
            // What the user could do in this organization ends with the membership.
            tokens.revokeUserInOrganization(handle, userId, orgId);
            return null;
        });
    }

    /**
     * Changes a member's role. Owners and admins may; only owners (or platform admins) make or
     * unmake an owner, as for adding and removing; the last owner stays an owner.
     */
    public Membership changeRole(Caller caller, UUID orgId, UUID userId, String role) {
        if (role == null || !ROLES.contains(role)) {
            throw OAuthException.validation("role must be one of owner, admin, member");
        }
        return database.inTransaction(handle -> {
            orgs.lock(handle, orgId);
            String callerRole = requireAdministrator(handle, caller, orgId);
            String current = orgs.roleOf(handle, orgId, userId)
                    .orElseThrow(() -> OAuthException.notFound("the user is not a member"));
            boolean touchesOwner = Membership.OWNER.equals(role) || Membership.OWNER.equals(current);
            if (touchesOwner && !Membership.OWNER.equals(callerRole) && !caller.isPlatformAdmin()) {
                throw OAuthException.forbidden("only owners may make or unmake owners");
            }
            if (Membership.OWNER.equals(current) && !Membership.OWNER.equals(role) && orgs.countOwners(handle, orgId) == 1) {
                throw OAuthException.conflict("an organization keeps at least one owner");
            }
            orgs.changeRole(handle, orgId, userId, role);
            return orgs.findMember(handle, orgId, userId).orElseThrow();
        });
    }

    /** The organization's display name, for pages that show it to anyone. */
    public Optional<String> findName(UUID orgId) {
        return database.withHandle(handle -> orgs.find(handle, orgId)).map(Organization::name);
    }

    /** The user's role in the organization, if a member. */
    public Optional<String> roleOf(UUID orgId, UUID userId) {
        return database.withHandle(handle -> orgs.roleOf(handle, orgId, userId));
    }

    /**
     * Organizations the user may authorize an app into: those they administer for actor {@code app},
     * any they belong to for actor {@code self} (docs/http.md, "The OAuth flows").
     */
    public List<Organization> eligibleFor(UUID userId, String actor) {
        List<String> roles = ActorMode.APP.is(actor)
                ? List.of(Membership.OWNER, Membership.ADMIN)
                : List.of(Membership.OWNER, Membership.ADMIN, Membership.MEMBER);
        return database.withHandle(handle -> orgs.listWithRole(handle, userId, roles));
    }

    /** Refuses unless the caller is an owner or admin of the organization, or a platform admin. */
    public void requireAdministrator(Caller caller, UUID orgId) {
        database.withHandle(handle -> requireAdministrator(handle, caller, orgId));
    }

    /**
     * An organization's administrator is a browser session of its owner or admin, or a platform
     * admin (whose service token carries admin:*). A token a user delegated to an app never is,
     * whatever the user's role: managing the organization is not something an app does for them.
     */
    private String requireAdministrator(Handle handle, Caller caller, UUID orgId) {
        if (!caller.mayManage()) {
            throw OAuthException.insufficientScope(Caller.ADMIN_SCOPE);
        }
        orgs.find(handle, orgId).orElseThrow(OrgService::noSuchOrg);
        // A token acts inside one organization (docs/http.md, "The OAuth flows"): its user's rights elsewhere do not come with it.
        if (!caller.isSession() && !caller.isPlatformAdmin() && caller.organizationId() != null
                && !caller.organizationId().equals(orgId)) {
            throw OAuthException.forbidden("this token acts in another organization");
        }
        Optional<String> role = orgs.roleOf(handle, orgId, caller.userId());
        if (caller.isPlatformAdmin()) {
            return role.orElse(Membership.OWNER);
        }
        if (role.isEmpty()) {
            throw noSuchOrg();
        }
        if (!Membership.canAdminister(role.get())) {
            throw OAuthException.forbidden("only owners and admins of the organization may do this");
        }
        return role.get();
    }

    private static void requireUser(Caller caller) {
        if (caller.userId() == null) {
            throw OAuthException.forbidden("an app token cannot do this; act as a user");
        }
    }

    private static OAuthException noSuchOrg() {
        return OAuthException.notFound("no such organization");
    }

    static String slugify(String name) {
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        if (slug.length() > 50) {
            slug = slug.substring(0, 50).replaceAll("-+$", "");
        }
        return slug.isEmpty() ? "org" : slug;
    }
}
