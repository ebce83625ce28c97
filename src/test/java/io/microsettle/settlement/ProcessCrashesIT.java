package io.microsettle.settlement;

import io.microsettle.chain.DevChain;
import io.microsettle.testsupport.ServiceClient;
import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceProcess;
import io.microsettle.testsupport.SharedBackends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service killed for real at each settlement step: the packaged service as a child process (docker-compose's
 * replica settings on a shared PostgreSQL and Anvil, {@link SharedBackends}) started with
 * {@code -Dmicrosettle.test.crash-at=<point>}, which halts its JVM at that point as {@code kill -9} would (exit code
 * 137, no shutdown hook); cash-outs requested over HTTP until it dies there; then the service started again without
 * the crash point on the same database and chain. Afterwards every cash-out is SETTLED (or FAILED with its hold
 * released), no payout id is paid twice on chain, the ledger check and the audit chain are ok
 * ({@link ProcessInvariants}). One start with the crash point and one restart per point; the points run one after the
 * other on the same database and chain, each checking every cash-out so far.
 */
class ProcessCrashesIT {
    static final String CRASH_AT = "microsettle.test.crash-at";
    /** Leases short enough that the restart takes the halted process's lanes over within seconds. */
    static final String LEASE_MILLIS = "5000";
    static final int CASHOUTS_PER_POINT = 4;
    /** From the last cash-out to the halt: a batch, its broadcast, a few blocks for the receipt check or the logs. */
    static final Duration DEATH_WAIT = Duration.ofSeconds(90);
    static final Duration SETTLE_WAIT = Duration.ofSeconds(120);

    static SharedBackends backends;

    @BeforeAll
    static void start() {
        backends = SharedBackends.start(ServiceFixtures.workDir("process-crashes"), DevChain.Kind.ANVIL);
    }

    @AfterAll
    static void stop() {
        if (backends != null) backends.close();
    }

    /**
     * A replica with short leases (the settler's, the reconciler's, the anchorer's). Its JVM compiles with C1 only: these
     * processes live for seconds, and their start is most of this suite's time on a machine of two cores.
     */
    static ServiceProcess.Builder service(SharedBackends backends, String name) {
        return backends.replica(name).jvmOption("-XX:TieredStopAtLevel=1")
                .systemProperty("microsettle.settlement.lease-millis", LEASE_MILLIS)
                .systemProperty("microsettle.reconcile.lease-millis", LEASE_MILLIS)
                .systemProperty("microsettle.audit.anchor.lease-millis", LEASE_MILLIS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"settlement.after-sign", "settlement.after-broadcast", "settlement.before-receipt", "reconcile.mid-range"})
    void haltedAtThePointAndRestartedEveryCashoutEndsOncePaid(String point) throws Exception {
        long started = System.nanoTime();
        String escrow;
        List<String> accepted;
        try (ServiceProcess crashing = service(backends, "halt-at-" + point).systemProperty(CRASH_AT, point).start()) {
            escrow = crashing.summaryValue("escrow").orElseThrow();
            accepted = ProcessInvariants.cashouts(backends.client(crashing), CASHOUTS_PER_POINT);
            assertThat(accepted).as("cash-outs accepted before the halt").isNotEmpty();
            Optional<Integer> exit = crashing.awaitExit(DEATH_WAIT);
            assertThat(exit).as("the service halted at %s:%n%s", point, crashing.tail(40)).contains(137);
            assertThat(crashing.output()).as("halted where it was told").anyMatch(l -> l.contains("crash point " + point + ": halting the JVM"));
        }
        long halted = System.nanoTime();
        try (ServiceProcess restarted = service(backends, "restart-after-" + point).start()) {
            assertThat(restarted.summaryValue("escrow")).as("the same deployment").contains(escrow);
            ServiceClient client = backends.client(restarted);
            List<ProcessInvariants.Cashout> all = ProcessInvariants.awaitAllFinal(backends, SETTLE_WAIT);
            assertThat(all).extracting(ProcessInvariants.Cashout::id).containsAll(accepted);
            ProcessInvariants.Report report = ProcessInvariants.check(backends, client, escrow);
            assertThat(report.settled()).as("every cash-out of the demo integrator (funded) settles").isEqualTo(report.cashouts());
            System.out.printf("crash at %s: %d cash-outs accepted before the halt; %d s to the halt, %d s to recover; %s%n", point,
                    accepted.size(), Duration.ofNanos(halted - started).toSeconds(), Duration.ofNanos(System.nanoTime() - halted).toSeconds(),
                    report);
        }
    }
}
