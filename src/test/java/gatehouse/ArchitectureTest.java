package gatehouse;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

/**
 * The map of Gatehouse, as rules the build enforces (docs/architecture.md draws it).
 *
 * <p>At the bottom lies the floor, which knows no feature: {@code errors} (the one exception and
 * its code → status table), {@code store} (PostgreSQL, transactions, IDs), {@code web} (strict
 * readers and writers, pages), {@code auth} (who is calling), {@code secrets} (the secret-string
 * codec), {@code crypto} (encryption at rest) and {@code audit} (the audit trail). Above it, one
 * package per feature. On top, {@code http} (the route table and the filters) and the wiring in
 * {@code App}, {@code Main} and {@code Commands}. Dependencies point down, never up or around.
 */
class ArchitectureTest {
    private static final String[] FLOOR = {"gatehouse.errors..", "gatehouse.store..", "gatehouse.web..",
            "gatehouse.auth..", "gatehouse.secrets..", "gatehouse.crypto..", "gatehouse.audit.."};
    private static final String[] FEATURES = {"gatehouse.oauth..", "gatehouse.clients..", "gatehouse.users..",
            "gatehouse.orgs..", "gatehouse.installations..", "gatehouse.webhooks..", "gatehouse.scopes..",
            "gatehouse.consent..", "gatehouse.ratelimit..", "gatehouse.mail..", "gatehouse.vault..",
            "gatehouse.tokens..", "gatehouse.jwt..", "gatehouse.ops..", "gatehouse.console..", "gatehouse.registration.."};

    private static final JavaClasses GATEHOUSE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("gatehouse");

    @Test
    void packagesFormNoCycle() {
        ArchRule rule = slices().matching("gatehouse.(*)..").should().beFreeOfCycles()
                .as("Gatehouse's packages form no cycle: each depends only on packages below it");
        rule.check(GATEHOUSE);
    }

    @Test
    void onlyTheWiringKnowsTheRouteTable() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("gatehouse.http..")
                .and().doNotBelongToAnyOf(App.class, Main.class, Commands.class, Config.class)
                .should().dependOnClassesThat().resideInAPackage("gatehouse.http..")
                .as("Only the top (App, Main, Commands and Config) uses http (the route table, filters and caller resolution)");
        rule.check(GATEHOUSE);
    }

    @Test
    void theFloorKnowsNoFeature() {
        ArchRule rule = noClasses().that().resideInAnyPackage(FLOOR)
                .should().dependOnClassesThat().resideInAnyPackage(FEATURES)
                .orShould().dependOnClassesThat().resideInAPackage("gatehouse.http..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(App.class.getName())
                .orShould().dependOnClassesThat().haveFullyQualifiedName(Config.class.getName())
                .as("errors, store, web, auth, secrets, crypto and audit import no feature, no http and no configuration");
        rule.check(GATEHOUSE);
    }

    @Test
    void aFeatureKeepsItsRepositoriesToItself() {
        ArchRule rule = noClasses().that().doNotBelongToAnyOf(App.class, Commands.class)
                .should(dependOnAnotherPackagesRepository())
                .as("A feature's repositories are used only inside its package (and wired by App and Commands): "
                        + "other features go through its services");
        rule.check(GATEHOUSE);
    }

    /** The handler types a *Pages class declares inside itself (ConsolePages.Page, …) belong to it. */
    private static DescribedPredicate<JavaClass> areNotNestedInAPagesClass() {
        return DescribedPredicate.describe("are not nested in a *Pages class",
                item -> item.getEnclosingClass().map(outer -> !outer.getSimpleName().endsWith("Pages")).orElse(true));
    }

    /** Depends on a class named *Repository of another package. */
    private static ArchCondition<JavaClass> dependOnAnotherPackagesRepository() {
        return new ArchCondition<>("depend on another package's repository") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                for (Dependency dependency : item.getDirectDependenciesFromSelf()) {
                    JavaClass target = dependency.getTargetClass();
                    if (target.getSimpleName().endsWith("Repository")
                            && !target.getPackageName().equals(item.getPackageName())) {
                        events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                    }
                }
            }
        };
    }

    @Test
    void featuresDoNotReadTheConfiguration() {
        ArchRule rule = noClasses().that().resideInAnyPackage(FEATURES)
                .should().dependOnClassesThat().haveFullyQualifiedName(Config.class.getName())
                .as("Features take their own settings records (vault.VaultSettings, mail.SmtpSettings, …); "
                        + "Config depends on them, not the other way round");
        rule.check(GATEHOUSE);
    }

    @Test
    void onlyTheHttpEdgeTouchesJavalin() {
        ArchRule rule = noClasses().that().resideOutsideOfPackages("gatehouse.http..", "gatehouse.web..")
                .and().haveSimpleNameNotEndingWith("Routes")
                .and().haveSimpleNameNotEndingWith("Endpoint")
                .and().haveSimpleNameNotEndingWith("Route")
                .and().haveSimpleNameNotEndingWith("Pages")
                .and(areNotNestedInAPagesClass())
                // Request-level helpers a route calls: who is calling, a form's CSRF cookie, the
                // rate-limit headers, the metrics scrape; and the wiring.
                .and().doNotHaveSimpleName("CallerSource")
                .and().doNotHaveSimpleName("CallerResolver")
                .and().doNotBelongToAnyOf(gatehouse.auth.Credentials.class)
                .and().doNotHaveSimpleName("FormCsrf")
                .and().doNotHaveSimpleName("RateLimiter")
                .and().doNotHaveSimpleName("Metrics")
                .and().doNotBelongToAnyOf(App.class)
                .should().dependOnClassesThat().resideInAPackage("io.javalin..")
                .as("Only routes and endpoints (and http, web and a few request-level helpers) touch Javalin; "
                        + "services and repositories take parsed values");
        rule.check(GATEHOUSE);
    }
}
