package io.microsettle.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pools' threads, and a task's result or failure as the waiter sees it. */
@Timeout(30)
class DaemonPoolsTest {
    final ExecutorService pool = DaemonPools.fixed("pool-test", 2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void threadsAreNamedDaemons() {
        Thread t = DaemonPools.await(pool.submit(Thread::currentThread), "the test");
        assertThat(t.getName()).matches("pool-test-[12]");
        assertThat(t.isDaemon()).isTrue();
        assertThatThrownBy(() -> DaemonPools.fixed("none", 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none");
    }

    @Test
    void aFailureIsThrownAsItWasAndACheckedOneWrappedWithItsMessage() {
        assertThat(DaemonPools.await(pool.submit(() -> "done"), "the test")).isEqualTo("done");
        IllegalArgumentException bad = new IllegalArgumentException("bad input");
        assertThatThrownBy(() -> DaemonPools.await(pool.submit(() -> {
            throw bad;
        }), "the test")).isSameAs(bad);
        AssertionError error = new AssertionError("an error");
        assertThatThrownBy(() -> DaemonPools.await(pool.submit(() -> {
            throw error;
        }), "the test")).isSameAs(error);
        assertThatThrownBy(() -> DaemonPools.await(pool.submit(() -> {
            throw new IOException("node gone");
        }), "the test")).isInstanceOf(IllegalStateException.class).hasMessage("node gone").hasCauseInstanceOf(IOException.class);
    }

    @Test
    void anInterruptedWaitKeepsTheFlagAndNamesTheWaiter() {
        var never = new java.util.concurrent.CompletableFuture<String>();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> DaemonPools.await(never, "the test")).isInstanceOf(IllegalStateException.class)
                    .hasMessage("interrupted while the test waited for its workers");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
