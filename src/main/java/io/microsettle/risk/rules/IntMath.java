package io.microsettle.risk.rules;

import java.math.BigInteger;

/** Exact integer helpers: no floating point anywhere in money or rate arithmetic. */
final class IntMath {
    private IntMath() {}

    /** Compares {@code a*b} with {@code c*d} exactly (all operands >= 0). */
    static int compareProducts(long a, long b, long c, long d) {
        long hi1 = Math.multiplyHigh(a, b);
        long hi2 = Math.multiplyHigh(c, d);
        if (hi1 == 0 && hi2 == 0) {
            // Both products fit in 64 unsigned bits; non-negative operands so compare unsigned.
            return Long.compareUnsigned(a * b, c * d);
        }
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
                .compareTo(BigInteger.valueOf(c).multiply(BigInteger.valueOf(d)));
    }

    /** {@code max(0, limit - used)} without overflow for non-negative inputs. */
    static long remaining(long limit, long used) {
        return used >= limit ? 0 : limit - used;
    }
}
