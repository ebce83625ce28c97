package io.microsettle.pricing.rules;

import java.math.BigInteger;

/** Exact integer helpers: no floating point anywhere in money or rate arithmetic. */
final class IntMath {
    private IntMath() {}

    /** ceil(a * b / d) for a, b >= 0 and d > 0, exact; ArithmeticException if it does not fit a long. */
    static long mulDivCeil(long a, long b, long d) {
        if (a < 0 || b < 0 || d <= 0) {
            throw new IllegalArgumentException("mulDivCeil needs a, b >= 0 and d > 0");
        }
        if (Math.multiplyHigh(a, b) == 0) {
            long p = a * b;
            if (p >= 0) { // fits a signed long
                return Math.ceilDiv(p, d);
            }
        }
        return ceilDiv(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)), BigInteger.valueOf(d)).longValueExact();
    }

    /** ceil(n / d) for n >= 0 and d > 0. */
    static BigInteger ceilDiv(BigInteger n, BigInteger d) {
        if (n.signum() < 0 || d.signum() <= 0) {
            throw new IllegalArgumentException("ceilDiv needs n >= 0 and d > 0");
        }
        BigInteger[] qr = n.divideAndRemainder(d);
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }
}
