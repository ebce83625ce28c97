package io.microsettle.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints the load benchmark's tables and checks the targets against them. */
final class LoadReport {
    /** The targets. */
    static final double CASHOUTS_PER_SECOND_TARGET = 1000;
    static final double CASHOUTS_PER_SECOND_MINIMUM = 500;
    static final double CASHOUT_P99_MILLIS_TARGET = 100;
    static final int TARGET_CLIENTS = 32;
    static final double CREDIT_ITEMS_PER_SECOND_TARGET = 20_000;

    /** One target: met or not, and the figures it was judged on. */
    record Target(String name, boolean met, String detail) {}

    private final StringBuilder out = new StringBuilder();

    private LoadReport() {}

    static String format(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    /** The client-side table of one kind of phase (cash-outs, quotes, credits). */
    static String table(String title, String unit, List<LoadScenario.Row> rows, double floorPerSecond) {
        LoadReport r = new LoadReport();
        boolean cashouts = title.startsWith("cash-outs");
        r.line(title);
        r.line(format("%-15s %7s %8s %8s %6s %10s %7s %8s %8s %8s %8s  %s", "run", "clients", "accounts", "requests", "s", unit,
                cashouts ? "/floor" : "", "p50 ms", "p95 ms", "p99 ms", "max ms", "outcomes (HTTP status, cash-out status or problem code)"));
        for (LoadScenario.Row row : rows) {
            LoadRun.Stats st = row.stats();
            double rate = st.perSecond(row.unitsPerRequest());
            r.line(format("%-15s %7d %8d %8d %6.1f %10.0f %7s %8.1f %8.1f %8.1f %8.1f  %s", row.label().isEmpty() ? "-" : row.label(),
                    row.clients(), row.accounts(), st.requests(), st.seconds(), rate,
                    cashouts ? format("%.3f", rate / floorPerSecond) : "", st.p50(), st.p95(), st.p99(), st.max(), outcomes(st.outcomes())));
        }
        return r.out.toString();
    }

    static String outcomes(Map<String, Integer> outcomes) {
        return outcomes.entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue()).collect(Collectors.joining(", "));
    }

    /** The server side of every timed phase, and the log lines behind its ERROR and WARN counts. */
    static String serverTable(List<ServerFacts.Delta> phases, int cores) {
        LoadReport r = new LoadReport();
        r.line("server side during each phase (PostgreSQL pg_stat_database and pg_stat_activity, CPU seconds from /proc)");
        r.line(format("%-34s %6s %9s %9s %9s %11s %7s %23s %5s %9s %15s  %s", "phase", "s", "deadlocks", "commits/s", "rollbacks",
                "lockwait avg/max", "active", "cpu s svc/db/chain/cli", "cpu%", "log E/W", "load 1/5/15", "lock waits by event"));
        for (ServerFacts.Delta d : phases) {
            ServerFacts.LockWaits l = d.locks();
            double cpu = d.serviceCpuSeconds() + d.dbCpuSeconds() + d.chainCpuSeconds() + d.clientCpuSeconds();
            r.line(format("%-34s %6.1f %9d %9.0f %9d %7.1f/%-3d %7.1f %5.1f/%5.1f/%4.1f/%5.1f %4.0f%% %4d/%-4d %15s  %s", d.phase(), d.seconds(),
                    d.deadlocks(), d.commits() / d.seconds(), d.rollbacks(), l.meanWaiting(), l.waitingMax(), l.meanActive(),
                    d.serviceCpuSeconds(), d.dbCpuSeconds(), d.chainCpuSeconds(), d.clientCpuSeconds(), 100 * cpu / (d.seconds() * cores),
                    d.logErrors(), d.logWarnings(), d.loadAverage(), outcomes(l.byEvent())));
        }
        for (ServerFacts.Delta d : phases) {
            if (d.logMessages().isEmpty()) continue;
            r.line("service log during \"" + d.phase() + "\" (" + d.logErrors() + " ERROR, " + d.logWarnings() + " WARN; most frequent):");
            d.logMessages().forEach((msg, n) -> r.line(format("  %6d × %s", n, msg)));
        }
        return r.out.toString();
    }

    static String settlement(LoadScenario.Settlement st) {
        LoadReport r = new LoadReport();
        r.line("settlement");
        r.line(format("accepted (201 QUEUED) %d; SETTLED %d; accepted but not SETTLED %d%s", st.accepted(), st.settled(),
                st.acceptedNotSettled(), st.timedOut() ? " (gave up waiting)" : ""));
        r.line(format("waited %.1f s after the last cash-out phase for every accepted cash-out to be SETTLED", st.waitSeconds()));
        long[] ms = st.settleMillis();
        r.line(format("request to SETTLED (createdAt → settledAt): p50 %.1f s, p95 %.1f s, p99 %.1f s, max %.1f s; %.1f settled cash-outs/s"
                        + " (settled count / first createdAt to last settledAt)", LoadRun.percentile(ms, 50), LoadRun.percentile(ms, 95),
                LoadRun.percentile(ms, 99), LoadRun.percentile(ms, 100), st.settledPerSecond()));
        r.line("every cash-out by status: " + st.statuses());
        r.line(format("cash-out requests answered 5xx or not at all: %d; of these, created anyway (by status now): %s", st.failedRequests(),
                st.failedButCreated().isEmpty() ? "none" : st.failedButCreated()));
        return r.out.toString();
    }

    static String audit(LoadScenario.Audit a) {
        LoadReport r = new LoadReport();
        var c = a.ledgerCheck();
        var v = a.verify();
        r.line(format("ledger check: ok=%s accounts=%s entries=%s postings=%s differences=%s unbalancedEntries=%s (%.1f s)",
                c.path("ok"), c.path("accounts"), c.path("entries"), c.path("postings"), c.path("differenceCount"),
                c.path("unbalancedEntryCount"), a.ledgerCheckSeconds()));
        r.line(format("audit verify: ok=%s count=%s firstBadSeq=%s (%.1f s)", v.path("ok"), v.path("count"), v.path("firstBadSeq"),
                a.verifySeconds()));
        return r.out.toString();
    }

    static List<Target> targets(List<LoadScenario.Row> rows, LoadScenario.Settlement st, LoadScenario.Audit a) {
        List<Target> t = new ArrayList<>();
        rows.stream().filter(r -> r.table().equals("cash-outs") && r.label().isEmpty() && r.clients() == TARGET_CLIENTS).findFirst()
                .ifPresent(r -> {
                    double rate = r.stats().perSecond(1);
                    t.add(new Target("cash-outs ≥ 1,000/s at 32 clients, p99 ≤ 100 ms", rate >= CASHOUTS_PER_SECOND_TARGET
                            && r.stats().p99() <= CASHOUT_P99_MILLIS_TARGET, format("%.0f requests/s, p99 %.1f ms", rate, r.stats().p99())));
                    t.add(new Target("cash-outs ≥ 500/s at 32 clients (the least acceptable)", rate >= CASHOUTS_PER_SECOND_MINIMUM,
                            format("%.0f requests/s", rate)));
                });
        int errors = rows.stream().mapToInt(r -> r.stats().serverErrors()).sum();
        t.add(new Target("zero 5xx (and no unanswered request) in every phase", errors == 0, rows.stream()
                .filter(r -> r.stats().serverErrors() > 0).map(r -> name(r) + ": " + r.stats().serverErrors())
                .collect(Collectors.joining("; ", errors + " ", ""))));
        rows.stream().filter(r -> r.table().equals("credits") && r.label().equals("with cash-outs")).findFirst().ifPresent(r -> {
            double rate = r.stats().perSecond(r.unitsPerRequest());
            t.add(new Target("credits ≥ 20,000 items/s while cash-outs run", rate >= CREDIT_ITEMS_PER_SECOND_TARGET, format("%.0f items/s", rate)));
        });
        t.add(new Target("every accepted cash-out SETTLED", st.acceptedNotSettled() == 0 && !st.timedOut(),
                format("%d of %d accepted", st.accepted() - st.acceptedNotSettled(), st.accepted())));
        int ghosts = st.failedButCreated().values().stream().mapToInt(Integer::intValue).sum();
        t.add(new Target("no cash-out created by a request answered 5xx", ghosts == 0, format("%d of %d", ghosts, st.failedRequests())));
        t.add(new Target("ledger check ok", a.ledgerCheck().path("ok").asBoolean(false), a.ledgerCheck().path("differenceCount").asText()
                + " differences, " + a.ledgerCheck().path("unbalancedEntryCount").asText() + " unbalanced entries"));
        t.add(new Target("audit verify ok", a.verify().path("ok").asBoolean(false), "count " + a.verify().path("count").asText()));
        return t;
    }

    /** "cash-outs 32", "cash-outs one account 128". */
    static String name(LoadScenario.Row r) {
        return r.table() + (r.label().isEmpty() ? "" : " " + r.label()) + " " + r.clients();
    }

    static String targetLines(List<Target> targets) {
        LoadReport r = new LoadReport();
        r.line("targets (issue 12)");
        for (Target t : targets) r.line(format("  %-4s %-52s %s", t.met() ? "MET" : "MISS", t.name(), t.detail()));
        return r.out.toString();
    }

    private void line(String s) {
        out.append(s).append('\n');
    }
}
