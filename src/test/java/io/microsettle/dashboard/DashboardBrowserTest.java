package io.microsettle.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.settlement.ChainTestResource;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator dashboard end to end in a real headless Chromium (Selenium), against the service on embedded
 * PostgreSQL and a real Anvil chain with settlement running: sign in with a bearer token, approve a held cash-out
 * and watch it settle on the page, pause and unpause settlement, the charts drawn from settled cash-outs, batches
 * with their transactions, escrow headroom and the audit state; and no Content-Security-Policy violation on the
 * way. Leaves a screenshot in target/dashboard.png. Skipped without Chromium (fails under CI=true): HeadlessChromium.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "kind", value = "anvil"))
@ExtendWith(HeadlessChromium.class)
@Timeout(300)
class DashboardBrowserTest {
    static final String INTEGRATOR = "demo";
    static final String DENIED = "0x000000000000000000000000000000000000dEaD";
    static final Duration SETTLE_WAIT = Duration.ofSeconds(120);

    @TestHTTPResource("/dashboard")
    URL dashboard;

    @jakarta.inject.Inject
    io.microsettle.testsupport.DbRows db;

    @Test
    void operatorSignsInApprovesAHeldCashoutPausesAndSeesTheCharts() throws Exception {
        String token = Tokens.integrator(INTEGRATOR);
        // one cash-out that settles by itself (the charts' data), one held for review (deny-listed destination)
        Api.FundedAccount acct = Api.fundedAccount(INTEGRATOR, 10_000_000);
        Response first = Api.cashout(token, acct, 2_000_000, null);
        assertThat(first.statusCode()).as(first.asString()).isEqualTo(201);
        Response heldResponse = Api.cashout(token, acct, 1_500_000, DENIED);
        assertThat(heldResponse.statusCode()).as(heldResponse.asString()).isEqualTo(201);
        assertThat(heldResponse.jsonPath().getString("status")).isEqualTo("HELD");
        String held = heldResponse.jsonPath().getString("id");
        JsonNode settled = waitForStatus(token, first.jsonPath().getString("id"), "SETTLED");
        assertThat(settled.path("status").asText()).as(settled.toString()).isEqualTo("SETTLED");

        // a payout the chain has and the store does not, as reconcile records it (its recording: DiscrepanciesAnvilTest)
        db.execute("INSERT INTO discrepancies (kind, detail) VALUES ('UNKNOWN_PAYOUT', 'dashboard test: payout 999 has no local record')");
        String discrepancy = "dsc_" + db.text("SELECT max(id) FROM discrepancies WHERE detail LIKE 'dashboard test:%'");

        String operatorToken = Tokens.of("olga", "operator", "admin");
        ChromeDriver browser = HeadlessChromium.start();
        try {
            System.out.println("dashboard browser test: " + browser.getCapabilities().getBrowserName() + " "
                    + browser.getCapabilities().getBrowserVersion());
            // the page re-renders its tables every few seconds: an element found just before that goes stale, so a wait
            // looks again instead of failing, and clicks and reads of table rows go through it
            WebDriverWait wait = new WebDriverWait(browser, SETTLE_WAIT, Duration.ofMillis(200));
            wait.ignoring(StaleElementReferenceException.class);
            JavascriptExecutor js = browser;

            // sign in: /dashboard redirects to the app; the token goes into the form, then sessionStorage only
            browser.get(dashboard.toString());
            assertThat(browser.getCurrentUrl()).endsWith("/dashboard/");
            wait.until(d -> d.findElement(By.id("signin")).isDisplayed());
            assertThat(browser.findElement(By.id("app")).isDisplayed()).isFalse();
            browser.findElement(By.id("token")).sendKeys(operatorToken);
            browser.findElement(By.id("signin-button")).click();
            wait.until(d -> d.findElement(By.id("app")).isDisplayed());
            assertThat(browser.getCurrentUrl()).doesNotContain(operatorToken).doesNotContain("token");
            assertThat(js.executeScript("return sessionStorage.getItem('microsettle.dashboard.token')")).isEqualTo(operatorToken);
            assertThat(js.executeScript("return window.localStorage.length")).isEqualTo(0L);
            assertThat(browser.findElement(By.id("whoami")).getText()).contains("olga").contains("operator");

            // the review queue shows the held cash-out; approve it and watch it settle on the page
            By heldRow = By.cssSelector("#reviews-body tr[data-cashout-id='" + held + "']");
            wait.until(d -> !d.findElements(heldRow).isEmpty());
            wait.until(d -> d.findElement(heldRow).getText().contains("1.50") && d.findElement(heldRow).getText().contains(INTEGRATOR));
            click(wait, heldRow, By.cssSelector("button.approve"));
            By decidedRow = By.cssSelector("#decided-body tr[data-cashout-id='" + held + "']");
            wait.until(d -> !d.findElements(decidedRow).isEmpty());
            wait.until(d -> d.findElement(decidedRow).getText().contains("approved by") && d.findElement(decidedRow).getText().contains("olga"));
            wait.until(d -> "SETTLED".equals(d.findElement(decidedRow).getDomAttribute("data-status")));
            assertThat(browser.findElements(heldRow)).isEmpty();
            JsonNode approved = Api.json(Api.as(token).get("/v1/cashouts/" + held).then().statusCode(200).extract().asString());
            assertThat(approved.path("status").asText()).isEqualTo("SETTLED");

            // counts by status, batches with their transactions, escrow per integrator, audit verify
            wait.until(d -> count(d.findElements(By.cssSelector("#counts-body tr[data-status='SETTLED']"))) >= 2);
            By batchRow = By.cssSelector("#batches-body tr[data-batch-id='" + approved.path("batchId").asText() + "']");
            wait.until(d -> {
                d.findElement(batchRow).click();
                return true;
            });
            By txRow = By.cssSelector("#batch-tx-body tr[data-tx-hash='" + approved.path("txHash").asText() + "']");
            wait.until(d -> !d.findElements(txRow).isEmpty());
            assertThat(browser.findElement(By.id("batch-detail-id")).getText()).isEqualTo(approved.path("batchId").asText());
            // the page re-reads the selected batch: its transaction shows MINED once the settler recorded the receipt
            wait.until(d -> d.findElement(txRow).getText().contains("MINED"));
            By escrowRow = By.cssSelector("#escrow-body tr[data-integrator='" + INTEGRATOR + "']");
            wait.until(d -> !d.findElements(escrowRow).isEmpty());
            wait.until(d -> d.findElement(escrowRow).getText().matches("(?s).*\\d{3},\\d{3}.*"));
            wait.until(d -> "true".equals(d.findElement(By.id("audit-verify")).getDomAttribute("data-ok")));
            // the latest anchor when the anchorer has anchored one, else "no anchors" (also where GET /v1/audit/anchors is 404)
            wait.until(d -> d.findElement(By.id("audit-anchor")).getDomAttribute("data-state") != null);
            WebElement anchor = browser.findElement(By.id("audit-anchor"));
            System.out.println("dashboard browser test: latest anchor shown: " + anchor.getText());
            if ("anchored".equals(anchor.getDomAttribute("data-state"))) {
                assertThat(anchor.getText()).startsWith("seq ").contains("root ").contains("block ");
            } else {
                assertThat(anchor.getText()).isEqualTo("no anchors");
            }

            // an open discrepancy is listed; acknowledging it needs a note, then it leaves the list, acknowledged by the operator
            By discrepancyRow = By.cssSelector("#discrepancies-body tr[data-discrepancy-id='" + discrepancy + "']");
            wait.until(d -> !d.findElements(discrepancyRow).isEmpty());
            wait.until(d -> d.findElement(discrepancyRow).getText().contains("UNKNOWN_PAYOUT")
                    && d.findElement(discrepancyRow).getText().contains("dashboard test"));
            browser.findElement(By.id("discrepancy-note")).sendKeys("seen on the dashboard, paid by hand");
            click(wait, discrepancyRow, By.cssSelector("button.acknowledge"));
            wait.until(d -> d.findElements(discrepancyRow).isEmpty());
            JsonNode acknowledged = Api.json(Api.as(operatorToken).get("/v1/audit/discrepancies/" + discrepancy).then().statusCode(200)
                    .extract().asString());
            assertThat(acknowledged.path("state").asText()).isEqualTo("ACKNOWLEDGED");
            assertThat(acknowledged.path("acknowledgedBy").asText()).contains("olga");
            assertThat(acknowledged.path("note").asText()).isEqualTo("seen on the dashboard, paid by hand");

            // pause and unpause: the page shows the state the service reports
            wait.until(d -> "false".equals(d.findElement(By.id("pause-state")).getDomAttribute("data-paused")));
            browser.findElement(By.id("pause-reason")).sendKeys("dashboard test");
            browser.findElement(By.id("pause-button")).click();
            wait.until(d -> "true".equals(d.findElement(By.id("pause-state")).getDomAttribute("data-paused")));
            assertThat(browser.findElement(By.id("pause-detail")).getText()).contains("olga").contains("dashboard test");
            assertThat(settlementPaused()).isTrue();
            assertThat(browser.findElement(By.id("pause-button")).isEnabled()).isFalse();
            browser.findElement(By.id("unpause-button")).click();
            wait.until(d -> "false".equals(d.findElement(By.id("pause-state")).getDomAttribute("data-paused")));
            assertThat(settlementPaused()).isFalse();

            // the charts: Chart.js holds the settled volume and fees, and the canvases have pixels drawn
            for (String chart : List.of("chart-volume", "chart-fees", "chart-latency")) {
                wait.until(d -> ((Number) js.executeScript("const c = window.Chart && Chart.getChart(arguments[0]);"
                        + "return c ? c.data.datasets[0].data.reduce((s, v) => s + (v || 0), 0) : 0;", chart)).doubleValue() > 0);
                long painted = ((Number) js.executeScript("const c = document.getElementById(arguments[0]);"
                        + "const p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                        + "for (let i = 3; i < p.length; i += 4) if (p[i] !== 0) n++; return n;", chart)).longValue();
                System.out.printf("dashboard browser test: %s has %d painted pixels%n", chart, painted);
                assertThat(painted).as(chart).isGreaterThan(500);
            }
            double volume = ((Number) js.executeScript("return Chart.getChart('chart-volume').data.datasets[0].data"
                    + ".reduce((s, v) => s + (v || 0), 0)")).doubleValue();
            assertThat(volume).isGreaterThanOrEqualTo(3.5);  // 2.00 + 1.50 settled, at least

            // nothing the policy blocked, nothing failed to load
            assertThat((List<?>) js.executeScript("return window.microsettleDashboard.cspViolations")).isEmpty();
            wait.until(d -> js.executeScript("return window.microsettleDashboard.lastError") == null);

            // a screenshot for the docs; then signing out forgets the token
            js.executeScript("window.scrollTo(0, 0)");
            Path shot = Path.of("target", "dashboard.png");
            Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
            System.out.println("dashboard browser test: screenshot " + shot.toAbsolutePath());
            browser.findElement(By.id("signout-button")).click();
            wait.until(d -> d.findElement(By.id("signin")).isDisplayed());
            assertThat(js.executeScript("return sessionStorage.getItem('microsettle.dashboard.token')")).isNull();
        } finally {
            browser.quit();
        }
    }

    /** Clicks {@code button} in the table row {@code row}, looking the row up again if the page re-rendered it meanwhile. */
    static void click(WebDriverWait wait, By row, By button) {
        wait.until(d -> {
            d.findElement(row).findElement(button).click();
            return true;
        });
    }

    static long count(List<WebElement> rows) {
        return rows.isEmpty() ? 0 : Long.parseLong(rows.get(0).getDomAttribute("data-count"));
    }

    static boolean settlementPaused() {
        return Api.json(Api.as(Tokens.of("olga", "operator")).get("/v1/admin/settlement").then().statusCode(200).extract().asString())
                .path("paused").asBoolean();
    }

    static JsonNode waitForStatus(String token, String id, String wanted) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = Api.json(Api.as(token).get("/v1/cashouts/" + id).then().statusCode(200).extract().asString());
            if (List.of(wanted, "FAILED", "REJECTED").contains(last.path("status").asText())) return last;
            Thread.sleep(250);
        }
        return last;
    }

}
