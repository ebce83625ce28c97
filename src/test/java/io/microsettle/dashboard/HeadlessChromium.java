package io.microsettle.dashboard;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium for browser tests: Debian's {@code chromium} and {@code chromium-driver} (or the binaries
 * named by the environment variables CHROMIUM_BIN and CHROMEDRIVER_BIN). As a JUnit condition it skips the test class,
 * before Quarkus boots, when either is missing, with a message naming the two packages; with CI=true a missing
 * browser fails the run instead (CI must run the browser tests; .ci/run installs the packages).
 */
public final class HeadlessChromium implements ExecutionCondition {
    static final String PACKAGES = "Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)";

    record Binaries(Path browser, Path driver) {}

    static Optional<Binaries> find() {
        Optional<Path> browser = binary("CHROMIUM_BIN", "chromium", "chromium-browser");
        Optional<Path> driver = binary("CHROMEDRIVER_BIN", "chromedriver");
        return browser.isPresent() && driver.isPresent() ? Optional.of(new Binaries(browser.get(), driver.get())) : Optional.empty();
    }

    private static Optional<Path> binary(String env, String... names) {
        String given = System.getenv(env);
        if (given != null && !given.isBlank()) return Optional.of(Path.of(given)).filter(Files::isExecutable);
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("") + File.pathSeparator + "/usr/bin" + File.pathSeparator
                + "/usr/lib/chromium";
        return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isBlank())
                .flatMap(d -> Stream.of(names).map(n -> Path.of(d, n))).filter(Files::isExecutable).findFirst();
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (find().isPresent()) return ConditionEvaluationResult.enabled("headless Chromium and its driver found");
        String message = "no Chromium or ChromeDriver on this machine: the dashboard browser test needs " + PACKAGES;
        if ("true".equals(System.getenv("CI"))) throw new IllegalStateException(message + " (CI=true: a skipped browser test fails the run)");
        return ConditionEvaluationResult.disabled(message);
    }

    /** Starts a headless Chromium with a tall window (the whole dashboard fits one screenshot). */
    static ChromeDriver start() {
        Binaries b = find().orElseThrow(() -> new IllegalStateException("no Chromium: install " + PACKAGES));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(b.browser().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,1540",
                "--hide-scrollbars", "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(b.driver().toFile()).usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(60)).build();
        return new ChromeDriver(service, options);
    }
}
