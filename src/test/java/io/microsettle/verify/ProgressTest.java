package io.microsettle.verify;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress lines: none on a short run, at most one a second on a long one, none when quiet (a clock the test moves). */
class ProgressTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void oneLineASecondOnLongRunsOnly() {
        AtomicLong now = new AtomicLong();
        StringWriter err = new StringWriter();
        Progress p = new Progress(new PrintWriter(err), false, now::get);
        for (int i = 1; i <= 100; i++) p.step("payouts", i, 100);  // all within the first second
        assertThat(err.toString()).isEmpty();
        Progress long_ = new Progress(new PrintWriter(err), false, now::get);
        for (int i = 1; i <= 10; i++) {
            now.addAndGet(SECOND / 2);
            long_.step("payouts", i, 10);
        }
        assertThat(err.toString().lines()).hasSize(5).first().asString().isEqualTo("verify: payouts 2/10 (1 s)");
        assertThat(err.toString().lines().toList().getLast()).isEqualTo("verify: payouts 10/10 (5 s)");
        StringWriter quietErr = new StringWriter();
        Progress quiet = new Progress(new PrintWriter(quietErr), true, now::get);
        now.addAndGet(10 * SECOND);
        quiet.step("payouts", 1, 1);
        assertThat(quietErr.toString()).isEmpty();
    }
}
