package io.microsettle.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's static app: served at /dashboard/ with a strict Content-Security-Policy (no inline script or style,
 * nothing from another origin), every script and stylesheet it names served by the service itself (Chart.js from
 * its webjar), and no inline script, style or event handler in the page that the policy would block.
 */
@QuarkusTest
class DashboardPageTest {
    static final Pattern TAG = Pattern.compile("<(script|link|style)\\b([^>]*)>", Pattern.CASE_INSENSITIVE);
    static final Pattern ATTR = Pattern.compile("\\b(src|href)=\"([^\"]*)\"");

    @Test
    void redirectsToTheApp() {
        given().redirects().follow(false).get("/dashboard").then().statusCode(308).header("Location", "/dashboard/");
    }

    @Test
    void pageIsServedWithAStrictContentSecurityPolicy() {
        Response r = given().get("/dashboard/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/html");
        String csp = r.header("Content-Security-Policy");
        assertThat(csp).as("CSP header").isNotNull();
        List<String> directives = Arrays.stream(csp.split(";")).map(String::trim).toList();
        assertThat(directives).contains("default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'");
        assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        for (String asset : List.of("/dashboard/app.js", "/dashboard/dashboard.css", "/dashboard/index.html")) {
            assertThat(given().get(asset).header("Content-Security-Policy")).as(asset).isEqualTo(csp);
        }
    }

    @Test
    void pageHasNoInlineScriptOrStyleAndLoadsOnlyItsOwnFiles() {
        String html = given().get("/dashboard/").then().statusCode(200).extract().asString();
        List<String> assets = new ArrayList<>();
        Matcher m = TAG.matcher(html);
        while (m.find()) {
            String tag = m.group(1).toLowerCase();
            assertThat(tag).as("no <style> element").isNotEqualTo("style");
            Matcher a = ATTR.matcher(m.group(2));
            assertThat(a.find()).as("a <%s> without src/href is inline: %s", tag, m.group()).isTrue();
            assets.add(a.group(2));
        }
        assertThat(html).doesNotContainPattern("(?i)\\sstyle=").doesNotContainPattern("(?i)\\son[a-z]+=")
                .doesNotContainPattern("(?i)javascript:").doesNotContain("http://", "https://", "//cdn");
        assertThat(assets).contains("/dashboard/app.js", "/dashboard/dashboard.css")
                .anyMatch(s -> s.startsWith("/webjars/chart.js/") && s.endsWith("/chart.umd.js"));
        for (String asset : assets) {
            assertThat(asset).as("same origin").startsWith("/");
            Response r = given().get(asset);
            assertThat(r.statusCode()).as(asset).isEqualTo(200);
            assertThat(r.asByteArray().length).as(asset).isGreaterThan(100);
        }
        // the app builds its DOM from text, never from HTML strings, and keeps the token out of URLs
        String js = given().get("/dashboard/app.js").then().statusCode(200).extract().asString();
        assertThat(js).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "localStorage", "setAttribute('style'");
        assertThat(js).contains("sessionStorage", "Authorization");
    }
}
