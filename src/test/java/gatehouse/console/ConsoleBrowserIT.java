package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Chromium;
import gatehouse.testing.Fixtures;
import gatehouse.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console as a person meets it: real Chromium, every page checked with axe-core and photographed. */
class ConsoleBrowserIT {
    private Chromium browser;

    @BeforeEach
    void open() {
        browser = Chromium.open(TestServer.get().baseUrl());
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void visitorSeesWhatGatehouseIsAndTheWayIn() {
        browser.go("/");
        assertThat(browser.h1()).isEqualTo("Gatehouse");
        browser.checkPage("welcome");
        browser.press("Create account");
        assertThat(browser.path()).isEqualTo("/signup");
        browser.checkPage("signup");
    }

    @Test
    void developerCreatesAnAppAndReadsItsSecretOnce() {
        var user = Fixtures.newUser();
        Fixtures.org(user.login());
        browser.signIn(user.username(), user.password());
        browser.checkPage("dashboard");
        browser.go("/apps");
        browser.checkPage("apps-empty");
        browser.press("New app");
        browser.fill("Application name", "Acme Reports");
        browser.fill("Homepage URL", "https://acme.example");
        browser.fill("Authorization callback URLs", "https://acme.example/callback");
        browser.checkPage("app-new");
        browser.press("Create app");
        assertThat(browser.h1()).isEqualTo("Acme Reports is created");
        assertThat(browser.find("#client-secret").getText()).matches("[a-z]+sec_[A-Za-z0-9]{40,}");
        browser.checkPage("app-secret");
        browser.press("I saved it — go to the app");
        assertThat(browser.h1()).isEqualTo("Acme Reports");
        assertThat(browser.driver().getPageSource()).doesNotContain("client-secret");
        browser.checkPage("app");
    }
}
