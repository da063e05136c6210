package gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver (never a browser a test tool
 * downloads). Without them the browser tests are skipped with one line saying so. Every page a
 * test visits can be checked with axe-core and photographed at desktop and phone widths into
 * {@code target/console-screenshots/}.
 */
public final class Chromium implements AutoCloseable {
    private static final Path BROWSER = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final int DESKTOP = 1280;
    private static final int PHONE = 375;

    private final WebDriver driver;
    private final String baseUrl;

    private Chromium(WebDriver driver, String baseUrl) {
        this.driver = driver;
        this.baseUrl = baseUrl;
    }

    /** A fresh browser (its own cookies) on the server at {@code baseUrl}; skips the test when Chromium is missing. */
    public static Chromium open(String baseUrl) {
        Assumptions.assumeTrue(Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER),
                "browser tests skipped: install Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
        var options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=" + DESKTOP + ",900", "--lang=en-US");
        var service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
        var driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Chromium(driver, baseUrl);
    }

    public WebDriver driver() {
        return driver;
    }

    public void go(String path) {
        driver.get(baseUrl + path);
    }

    public String path() {
        String url = driver.getCurrentUrl();
        return url.startsWith(baseUrl) ? url.substring(baseUrl.length()) : url;
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public String h1() {
        return find("h1").getText();
    }

    /** Types into the field whose visible label is {@code label} (so a field without a label cannot be filled). */
    public void fill(String label, String text) {
        WebElement field = labelled(label);
        field.clear();
        field.sendKeys(text);
    }

    /** Ticks or unticks the checkbox (or picks the radio button) labelled {@code label}. */
    public void tick(String label, boolean on) {
        WebElement box = driver.findElement(By.xpath("//label[normalize-space()=" + literal(label)
                + " or .//*[normalize-space()=" + literal(label) + "]]//input"));
        if (box.isSelected() != on) {
            box.click();
        }
    }

    /** Presses the button (or link) whose text is {@code text}, and waits for the page it leads to. */
    public void press(String text) {
        follow(driver.findElement(By.xpath("//button[normalize-space()=" + literal(text) + "] | //a[normalize-space()="
                + literal(text) + "]")));
    }

    /** Presses Tab once: the keyboard's way to the next control. Returns the focused element's text. */
    public String tab() {
        new Actions(driver).sendKeys(Keys.TAB).perform();
        return driver.switchTo().activeElement().getText();
    }

    /** Presses Enter on the focused link or button and waits for the page it leads to. */
    public void enter() {
        markPage();
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        awaitNewPage();
    }

    /** Clicks {@code element} (a link or a submit button) and waits for the page it leads to. */
    public void follow(WebElement element) {
        markPage();
        element.click();
        awaitNewPage();
    }

    /** Marks the current document, so the next one can be told apart from it. */
    private void markPage() {
        ((ChromeDriver) driver).executeScript("window.gatehouseOldPage = true");
    }

    /** Waits until a new, fully loaded document replaced the marked one. */
    private void awaitNewPage() {
        new WebDriverWait(driver, Duration.ofSeconds(15)).ignoring(WebDriverException.class).until(d -> Boolean.TRUE.equals(
                ((ChromeDriver) d).executeScript(
                        "return window.gatehouseOldPage === undefined && document.readyState === 'complete'")));
    }

    /** Signs in through the login page. */
    public void signIn(String username, String password) {
        go("/login?return_to=%2F");
        fill("Email", username);
        fill("Password", password);
        press("Sign in");
        assertThat(path()).as("after signing in").isEqualTo("/");
    }

    /**
     * Checks the page with axe-core (no serious or critical violation) and that it does not scroll
     * sideways, at 375 and 1280 pixels wide, and saves its screenshots as {@code name-1280.png} and
     * {@code name-375.png}.
     */
    public void checkPage(String name) {
        for (int width : new int[] {PHONE, DESKTOP}) {
            driver.manage().window().setSize(new Dimension(width, 900));
            Results results = new AxeBuilder().analyze(driver);
            List<String> serious = results.getViolations().stream()
                    .filter(rule -> "serious".equals(rule.getImpact()) || "critical".equals(rule.getImpact()))
                    .map(Chromium::describe)
                    .toList();
            assertThat(serious).as("axe-core on %s (%s) at %d px", name, path(), width).isEmpty();
            Object overflow = ((ChromeDriver) driver).executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
            assertThat(((Number) overflow).intValue()).as("%s scrolls sideways at %d px", name, width).isLessThanOrEqualTo(0);
        }
        screenshot(name);
    }
    private void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            for (int width : new int[] {DESKTOP, PHONE}) {
                driver.manage().window().setSize(new Dimension(width, 900));
                long height = (Long) ((ChromeDriver) driver).executeScript(
                        "return Math.min(4000, document.documentElement.scrollHeight)");
                driver.manage().window().setSize(new Dimension(width, (int) Math.max(600, height)));
                File shot = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE);
                Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + "-" + width + ".png"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            driver.manage().window().setSize(new Dimension(DESKTOP, 900));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private WebElement labelled(String label) {
        WebElement element = driver.findElement(By.xpath("//label[normalize-space()=" + literal(label) + "]"));
        String id = element.getAttribute("for");
        assertThat(id).as("label %s has a for attribute", label).isNotBlank();
        return driver.findElement(By.id(id));
    }

    private static String describe(Rule rule) {
        return rule.getId() + " (" + rule.getImpact() + "): " + rule.getHelp() + " at "
                + rule.getNodes().stream().map(node -> String.valueOf(node.getTarget())).toList();
    }

    private static String literal(String text) {
        return text.contains("'") ? "\"" + text + "\"" : "'" + text + "'";
    }

    @Override
    public void close() {
        driver.quit();
    }
}
