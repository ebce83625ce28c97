package io.microsettle.infra;

import java.math.BigInteger;

/** Exact integer helpers: no floating point anywhere in money or rate arithmetic. */
public final class IntMath {
    private IntMath() {}

    /** ceil(a * b / d) for a, b >= 0 and d > 0, exact; ArithmeticException if it does not fit a long. */
    public static long mulDivCeil(long a, long b, long d) {
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
    public static BigInteger ceilDiv(BigInteger n, BigInteger d) {
        if (n.signum() < 0 || d.signum() <= 0) {
            throw new IllegalArgumentException("ceilDiv needs n >= 0 and d > 0");
        }
        BigInteger[] qr = n.divideAndRemainder(d);
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }

    /** Compares {@code a*b} with {@code c*d} exactly (all operands >= 0). */
    public static int compareProducts(long a, long b, long c, long d) {
        if (a < 0 || b < 0 || c < 0 || d < 0) throw new IllegalArgumentException("compareProducts needs operands >= 0");
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
    public static long remaining(long limit, long used) {
        return used >= limit ? 0 : limit - used;
    }
}
