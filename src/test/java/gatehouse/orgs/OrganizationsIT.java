package gatehouse.orgs;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Organizations and their members (docs/http.md, "The management API" "Organizations", §3 roles): the creator is owner, lists
 * show only the caller's organizations (admins may ask for all), cursor pagination, and who may add
 * and remove members.
 */
class OrganizationsIT {
    private static final String ORGS = "/api/v1/orgs";

    private Fixtures.User owner;
    private Http ownerSession;
    private String orgId;

    @BeforeEach
    void setUp() {
        owner = Fixtures.newUser();
        ownerSession = owner.login();
        orgId = Fixtures.org(ownerSession);
    }

    // ---- creating and reading -------------------------------------------------------------------------

    @Test
    void createThenCreatedWithSlugFromNameAndCreatorAsOwner() {
        String suffix = Fixtures.unique("x").toLowerCase();
        Http.Response response = ownerSession.postJson(ORGS, Map.of("name", "Acme Rockets & Co " + suffix));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode org = response.json();
        String id = org.get("id").asText();
        UUID.fromString(id);
        assertThat(org.get("name").asText()).isEqualTo("Acme Rockets & Co " + suffix);
        assertThat(org.get("slug").asText()).isEqualTo("acme-rockets-co-" + suffix);

        List<JsonNode> members = all(ownerSession, ORGS + "/" + id + "/members");
        assertThat(members).singleElement().satisfies(member -> {
            assertThat(member.get("user_id").asText()).isEqualTo(owner.id());
            assertThat(member.get("role").asText()).isEqualTo("owner");
        });

        Http.Response fetched = ownerSession.get(ORGS + "/" + id);
        assertThat(fetched.status()).as(fetched.body()).isEqualTo(200);
        assertThat(fetched.text("slug")).isEqualTo("acme-rockets-co-" + suffix);
    }

    @Test
    void createWithExplicitSlugThenThatSlugAndTakenSlugThenConflict() {
        String slug = Fixtures.unique("team").toLowerCase();
        Http.Response first = ownerSession.postJson(ORGS, Map.of("name", "Team One", "slug", slug));
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.text("slug")).isEqualTo(slug);

        Http other = Fixtures.newUser().login();
        assertError(other.postJson(ORGS, Map.of("name", "Team Two", "slug", slug)), 409, "conflict");
        assertThat(all(other, ORGS)).as("nothing created").isEmpty();
    }

    @Test
    void createWhenNameOfATakenSlugThenStillCreatedWithAnotherSlug() {
        String name = "Same Name " + Fixtures.unique("n");
        Http.Response first = ownerSession.postJson(ORGS, Map.of("name", name));
        Http.Response second = Fixtures.newUser().login().postJson(ORGS, Map.of("name", name));

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(second.status()).as(second.body()).isEqualTo(201);
        assertThat(second.text("slug")).isNotEqualTo(first.text("slug"));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"has space", "a/b", ""})
    void createWithInvalidSlugThenValidationFailed(String slug) {
        assertError(ownerSession.postJson(ORGS, Map.of("name", "Bad Slug", "slug", slug)), 400, "validation_failed");
    }

    @Test
    void createWithoutNameThenValidationFailed() {
        assertError(ownerSession.postJson(ORGS, Map.of()), 400, "validation_failed");
        assertError(ownerSession.postJson(ORGS, Map.of("name", "  ")), 400, "validation_failed");
    }

    @Test
    void createWithoutCredentialsThenUnauthenticated() {
        assertError(Http.anonymous().postJson(ORGS, Map.of("name", "Nobody's")), 401, "unauthenticated");
    }

    @Test
    void listShowsOnlyMyOrganizations() {
        Http stranger = Fixtures.newUser().login();
        String theirs = Fixtures.org(stranger);
        String second = Fixtures.org(ownerSession);

        assertThat(ids(all(ownerSession, ORGS))).containsExactlyInAnyOrder(orgId, second);
        assertThat(ids(all(stranger, ORGS))).containsExactly(theirs);
        assertThat(ids(all(ownerSession, ORGS + "?all=false"))).containsExactlyInAnyOrder(orgId, second);
    }

    @Test
    void listAllWhenNotAdminThenForbidden() {
        assertError(ownerSession.get(ORGS + "?all=true"), 403, "forbidden");
    }

    @Test
    void listAllWhenAdminThenOthersOrganizationsToo() {
        String theirs = Fixtures.org(Fixtures.newUser().login());

        List<String> everything = ids(all(Fixtures.admin(), ORGS + "?all=true&limit=200"));

        assertThat(everything).contains(orgId, theirs).doesNotHaveDuplicates();
    }

    @Test
    void listWithLimitOneThenCursorWalksEveryPageWithoutRepeats() {
        Set<String> created = new HashSet<>(List.of(orgId, Fixtures.org(ownerSession), Fixtures.org(ownerSession),
                Fixtures.org(ownerSession)));

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Http.Response page = ownerSession.get(ORGS + "?limit=1" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            assertThat(page.json().get("data")).hasSize(1);
            seen.add(page.json().get("data").get(0).get("id").asText());
            cursor = page.text("next_cursor");
            pages++;
            assertThat(pages).as("walk ends").isLessThanOrEqualTo(created.size());
        } while (cursor != null);

        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created);
        Http.Response last = ownerSession.get(ORGS + "?limit=4");
        assertThat(last.json().get("data")).hasSize(4);
        assertThat(last.json().has("next_cursor")).isTrue();
        assertThat(last.json().get("next_cursor").isNull()).as("no page after the last").isTrue();
    }

    @ParameterizedTest(name = "limit={0}")
    @ValueSource(strings = {"0", "201", "-1", "abc", "1.5"})
    void listWithLimitOutOfRangeThenValidationFailed(String limit) {
        assertError(ownerSession.get(ORGS + "?limit=" + limit), 400, "validation_failed");
        assertError(ownerSession.get(ORGS + "/" + orgId + "/members?limit=" + limit), 400, "validation_failed");
    }

    @Test
    void listWithLimit200ThenAccepted() {
        assertThat(ownerSession.get(ORGS + "?limit=200").status()).isEqualTo(200);
        assertThat(ownerSession.get(ORGS + "?limit=1").status()).isEqualTo(200);
    }

    @Test
    void getWhenNotAMemberThenNotFound() {
        Http stranger = Fixtures.newUser().login();

        assertError(stranger.get(ORGS + "/" + orgId), 404, "not_found");
        assertError(stranger.get(ORGS + "/" + orgId + "/members"), 404, "not_found");
        assertError(stranger.get(ORGS + "/" + UUID.randomUUID()), 404, "not_found");
        Http.Response asAdmin = Fixtures.admin().get(ORGS + "/" + orgId);
        assertThat(asAdmin.status()).as("admins see every organization: %s", asAdmin.body()).isEqualTo(200);
    }

    // ---- bearer tokens on the management API (docs/security.md, "Callers") -----------------------------------------------

    @Test
    void bearerTokenWithoutAdminScopeThenInsufficientScope() {
        String token = passwordToken(owner, Fixtures.scope("plain", false));

        assertError(Http.anonymous().get(ORGS, "Authorization", "Bearer " + token), 403, "insufficient_scope");
        assertError(Http.anonymous().get(ORGS + "/" + orgId, "Authorization", "Bearer " + token), 403, "insufficient_scope");
        assertError(Http.anonymous().postJson(ORGS, Map.of("name", "Via token"), "Authorization", "Bearer " + token),
                403, "insufficient_scope");
    }

    @Test
    void userDelegatedTokenNeverManagesEvenWithAdminScope() {
        // admin:* is a service scope: only an internal service's own client_credentials token carries it.
        Http.Response refused = passwordTokenResponse(owner, "admin:*");
        assertError(refused, 400, "invalid_scope");
    }

    @Test
    void installationTokenOfAnAdminScopedAppCannotManage() {
        String appOrg = Fixtures.org(Fixtures.admin());
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", "admin:*"));

        assertError(Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "organization_id", appOrg, "scope", "admin:*"), "Authorization", app.basic()), 400, "invalid_scope");
        Http.Response defaulted = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "organization_id", appOrg), "Authorization", app.basic());
        assertThat(defaulted.status()).as(defaulted.body()).isEqualTo(200);
        assertThat(defaulted.text("scope")).as("a defaulted installation token leaves admin:* out").isEmpty();
        assertError(Http.anonymous().get(ORGS + "?all=true", "Authorization", "Bearer " + defaulted.text("access_token")),
                403, "insufficient_scope");
    }

    @Test
    void serviceTokenWithApprovedAdminScopeListsEveryOrganization() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), Fixtures.org(Fixtures.admin()), Map.of(
                "grant_types", List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of(),
                "scope", "admin:*"));
        String token = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic()).text("access_token");
        String theirs = Fixtures.org(Fixtures.newUser().login());

        Http.Response page = Http.anonymous().get(ORGS + "?all=true&limit=200", "Authorization", "Bearer " + token);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        List<String> everything = new ArrayList<>();
        String cursor = page.text("next_cursor");
        page.json().get("data").forEach(o -> everything.add(o.get("id").asText()));
        while (cursor != null) {
            Http.Response next = Http.anonymous().get(ORGS + "?all=true&limit=200&cursor=" + cursor,
                    "Authorization", "Bearer " + token);
            next.json().get("data").forEach(o -> everything.add(o.get("id").asText()));
            cursor = next.text("next_cursor");
        }
        assertThat(everything).contains(orgId, theirs);
    }

    // ---- members ---------------------------------------------------------------------------------------

    @Test
    void addMemberByUsernameAsOwnerThenCreatedAndListed() {
        Fixtures.User newcomer = Fixtures.newUser();

        Http.Response added = addMember(ownerSession, orgId, newcomer.username(), "member");

        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(added.text("user_id")).isEqualTo(newcomer.id());
        assertThat(added.text("role")).isEqualTo("member");
        assertThat(all(ownerSession, ORGS + "/" + orgId + "/members"))
                .extracting(m -> m.get("user_id").asText() + ":" + m.get("role").asText())
                .containsExactlyInAnyOrder(owner.id() + ":owner", newcomer.id() + ":member");

        Http newcomerSession = newcomer.login();
        assertThat(newcomerSession.get(ORGS + "/" + orgId).status()).as("a member sees the organization").isEqualTo(200);
        assertThat(ids(all(newcomerSession, ORGS))).containsExactly(orgId);
    }

    @Test
    void addMemberByUsernameInAnotherCaseThenThatUser() {
        Fixtures.User newcomer = Fixtures.newUser();
        Http.Response added = addMember(ownerSession, orgId, newcomer.username().toUpperCase(), "admin");
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(added.text("user_id")).isEqualTo(newcomer.id());
    }

    @Test
    void addMemberWhenCallerIsPlainMemberThenForbidden() {
        Fixtures.User member = Fixtures.newUser();
        assertThat(addMember(ownerSession, orgId, member.username(), "member").status()).isEqualTo(201);

        Http memberSession = member.login();
        for (String role : List.of("member", "admin", "owner")) {
            assertError(addMember(memberSession, orgId, Fixtures.newUser().username(), role), 403, "forbidden");
        }
    }

    @Test
    void addMemberWhenCallerIsOrgAdminThenMayAddMembersButNotOwners() {
        Fixtures.User orgAdmin = Fixtures.newUser();
        assertThat(addMember(ownerSession, orgId, orgAdmin.username(), "admin").status()).isEqualTo(201);
        Http adminSession = orgAdmin.login();

        Fixtures.User wouldBeOwner = Fixtures.newUser();
        assertError(addMember(adminSession, orgId, wouldBeOwner.username(), "owner"), 403, "forbidden");
        assertThat(all(ownerSession, ORGS + "/" + orgId + "/members"))
                .extracting(m -> m.get("user_id").asText()).doesNotContain(wouldBeOwner.id());

        Http.Response member = addMember(adminSession, orgId, Fixtures.newUser().username(), "member");
        assertThat(member.status()).as(member.body()).isEqualTo(201);
    }

    @Test
    void addMemberWhenOwnerAddsAnOwnerThenCreated() {
        Http.Response added = addMember(ownerSession, orgId, Fixtures.newUser().username(), "owner");
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(added.text("role")).isEqualTo("owner");
    }

    @Test
    void addMemberWhenNotInTheOrganizationThenNotFound() {
        Http stranger = Fixtures.newUser().login();
        assertError(addMember(stranger, orgId, Fixtures.newUser().username(), "member"), 404, "not_found");
    }

    @Test
    void addMemberWithUnknownUsernameThenNotFound() {
        assertError(addMember(ownerSession, orgId, Fixtures.unique("ghost") + "@example.test", "member"), 404, "not_found");
    }

    @Test
    void addMemberWhenAlreadyAMemberThenConflict() {
        Fixtures.User member = Fixtures.newUser();
        assertThat(addMember(ownerSession, orgId, member.username(), "member").status()).isEqualTo(201);

        assertError(addMember(ownerSession, orgId, member.username(), "admin"), 409, "conflict");
        assertError(addMember(ownerSession, orgId, owner.username(), "member"), 409, "conflict");
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"superuser", "OWNER", ""})
    void addMemberWithUnknownRoleThenValidationFailed(String role) {
        assertError(addMember(ownerSession, orgId, Fixtures.newUser().username(), role), 400, "validation_failed");
    }

    @Test
    void removeMemberAsOwnerThenNoContentAndTheyLoseAccess() {
        Fixtures.User member = Fixtures.newUser();
        assertThat(addMember(ownerSession, orgId, member.username(), "member").status()).isEqualTo(201);
        Http memberSession = member.login();
        assertThat(memberSession.get(ORGS + "/" + orgId).status()).isEqualTo(200);

        Http.Response removed = ownerSession.delete(ORGS + "/" + orgId + "/members/" + member.id());

        assertThat(removed.status()).as(removed.body()).isEqualTo(204);
        assertThat(all(ownerSession, ORGS + "/" + orgId + "/members"))
                .extracting(m -> m.get("user_id").asText()).containsExactly(owner.id());
        assertError(memberSession.get(ORGS + "/" + orgId), 404, "not_found");
        assertError(ownerSession.delete(ORGS + "/" + orgId + "/members/" + member.id()), 404, "not_found");
    }

    @Test
    void removeMemberWhenCallerIsPlainMemberThenForbidden() {
        Fixtures.User member = Fixtures.newUser();
        Fixtures.User other = Fixtures.newUser();
        addMember(ownerSession, orgId, member.username(), "member");
        addMember(ownerSession, orgId, other.username(), "member");

        assertError(member.login().delete(ORGS + "/" + orgId + "/members/" + other.id()), 403, "forbidden");
        assertError(member.login().delete(ORGS + "/" + orgId + "/members/" + owner.id()), 403, "forbidden");
    }

    @Test
    void memberCanLeave() {
        Fixtures.User member = Fixtures.newUser();
        addMember(ownerSession, orgId, member.username(), "member");
        Http memberSession = member.login();

        Http.Response left = memberSession.delete(ORGS + "/" + orgId + "/members/" + member.id());

        assertThat(left.status()).as(left.body()).isEqualTo(204);
        assertThat(all(memberSession, ORGS)).isEmpty();
        assertError(memberSession.get(ORGS + "/" + orgId), 404, "not_found");
    }

    @Test
    void lastOwnerCannotBeRemovedButOneOfTwoOwnersMayLeave() {
        assertError(ownerSession.delete(ORGS + "/" + orgId + "/members/" + owner.id()), 409, "conflict");
        assertThat(ownerSession.get(ORGS + "/" + orgId).status()).isEqualTo(200);

        Fixtures.User second = Fixtures.newUser();
        assertThat(addMember(ownerSession, orgId, second.username(), "owner").status()).isEqualTo(201);
        Http.Response left = ownerSession.delete(ORGS + "/" + orgId + "/members/" + owner.id());
        assertThat(left.status()).as(left.body()).isEqualTo(204);

        Http secondSession = second.login();
        assertError(secondSession.delete(ORGS + "/" + orgId + "/members/" + second.id()), 409, "conflict");
        assertThat(all(secondSession, ORGS + "/" + orgId + "/members"))
                .extracting(m -> m.get("role").asText()).containsExactly("owner");
    }

    @Test
    void lastOwnerCannotBeRemovedByAPlatformAdminEither() {
        assertError(Fixtures.admin().delete(ORGS + "/" + orgId + "/members/" + owner.id()), 409, "conflict");
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** A password-grant access token of {@code user} with {@code scope}, from an admin-approved first-party app. */
    // ---- changing roles ------------------------------------------------------------------------------

    @Test
    void ownerChangesAMembersRoleAndTheNewAdminMayManage() {
        Fixtures.User member = Fixtures.newUser();
        addMember(ownerSession, orgId, member.username(), "member");

        Http.Response changed = ownerSession.putJson(ORGS + "/" + orgId + "/members/" + member.id(), Map.of("role", "admin"));

        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        assertThat(changed.json().get("role").asText()).isEqualTo("admin");
        assertThat(member.login().get(ORGS + "/" + orgId + "/installations").status()).isEqualTo(200);
    }

    @Test
    void roleChangesAreRefusedToPlainMembersStrangersAndAdminsTouchingOwners() {
        Fixtures.User member = Fixtures.newUser();
        Fixtures.User admin = Fixtures.newUser();
        addMember(ownerSession, orgId, member.username(), "member");
        addMember(ownerSession, orgId, admin.username(), "admin");
        String memberPath = ORGS + "/" + orgId + "/members/" + member.id();

        assertError(member.login().putJson(memberPath, Map.of("role", "admin")), 403, "forbidden");
        assertError(Fixtures.newUser().login().putJson(memberPath, Map.of("role", "admin")), 404, "not_found");
        assertError(admin.login().putJson(memberPath, Map.of("role", "owner")), 403, "forbidden");
        assertError(admin.login().putJson(ORGS + "/" + orgId + "/members/" + owner.id(), Map.of("role", "member")),
                403, "forbidden");
        assertError(ownerSession.putJson(memberPath, Map.of("role", "emperor")), 400, "validation_failed");
        assertError(ownerSession.putJson(ORGS + "/" + orgId + "/members/" + Fixtures.newUser().id(), Map.of("role", "admin")),
                404, "not_found");
        assertThat(admin.login().putJson(memberPath, Map.of("role", "admin")).status()).isEqualTo(200);
    }

    @Test
    void roleChangeWithATokenWithoutAdminScopeIsRefused() {
        Fixtures.User member = Fixtures.newUser();
        addMember(ownerSession, orgId, member.username(), "member");
        String token = passwordToken(owner, Fixtures.scope("roles", false));

        assertError(Http.anonymous().putJson(ORGS + "/" + orgId + "/members/" + member.id(), Map.of("role", "admin"),
                "Authorization", "Bearer " + token), 403, "insufficient_scope");
        assertThat(ownerSession.get(ORGS + "/" + orgId + "/members").body()).doesNotContain("\"role\":\"admin\"");
    }

    @Test
    void lastOwnerCannotBeDemoted() {
        assertError(ownerSession.putJson(ORGS + "/" + orgId + "/members/" + owner.id(), Map.of("role", "admin")),
                409, "conflict");
        Fixtures.User second = Fixtures.newUser();
        addMember(ownerSession, orgId, second.username(), "owner");
        assertThat(ownerSession.putJson(ORGS + "/" + orgId + "/members/" + owner.id(), Map.of("role", "admin")).status())
                .isEqualTo(200);
    }

    private static String passwordToken(Fixtures.User user, String scope) {
        Http.Response token = passwordTokenResponse(user, scope);
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        return token.text("access_token");
    }

    /** What the token endpoint answers to a password grant asking for {@code scope}. */
    private static Http.Response passwordTokenResponse(Fixtures.User user, String scope) {
        String appOrg = Fixtures.org(Fixtures.newUser().login());
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("grant_types", List.of("password"),
                "redirect_uris", List.of(), "scope", scope));
        return Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "password",
                "username", user.username(), "password", user.password(), "scope", scope), "Authorization", app.basic());
    }

    private static Http.Response addMember(Http session, String orgId, String username, String role) {
        return session.postJson(ORGS + "/" + orgId + "/members", Map.of("username", username, "role", role));
    }

    /** Every item of a paginated list, following next_cursor. */
    private static List<JsonNode> all(Http session, String path) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        for (int guard = 0; guard < 1000; guard++) {
            String url = path + (cursor == null ? "" : (path.contains("?") ? "&" : "?") + "cursor=" + cursor);
            Http.Response page = session.get(url);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            page.json().get("data").forEach(items::add);
            cursor = page.text("next_cursor");
            if (cursor == null) {
                return items;
            }
        }
        throw new AssertionError("pagination of " + path + " never ends");
    }

    private static List<String> ids(List<JsonNode> items) {
        return items.stream().map(item -> item.get("id").asText()).toList();
    }
}
