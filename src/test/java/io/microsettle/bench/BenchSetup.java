package io.microsettle.bench;

/** What the benchmarks set up besides accounts (limits wide enough for hundreds of cash-outs). */
final class BenchSetup {
    private BenchSetup() {}

    static void generousLimits() {
        // Filled in once limits are configurable.
    }
}
