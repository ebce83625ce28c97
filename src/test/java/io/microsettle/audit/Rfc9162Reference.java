package io.microsettle.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9162's definitions transcribed literally and recursively over the whole data list (§2.1.1 MTH,
 * §2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF), with its own SHA-256: the oracle the stored-node code is
 * tested against. Quadratic at worst; for tests only.
 */
final class Rfc9162Reference {
    private Rfc9162Reference() {}

    static byte[] mth(List<byte[]> d) {
        int n = d.size();
        if (n == 0) return sha256(new byte[0]);
        if (n == 1) return sha256(concat(new byte[]{0x00}, d.getFirst()));
        int k = k(n);
        return sha256(concat(new byte[]{0x01}, mth(d.subList(0, k)), mth(d.subList(k, n))));
    }

    /** PATH(m, D[n]). */
    static List<byte[]> path(int m, List<byte[]> d) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (n == 1) return out;
        int k = k(n);
        if (m < k) {
            out.addAll(path(m, d.subList(0, k)));
            out.add(mth(d.subList(k, n)));
        } else {
            out.addAll(path(m - k, d.subList(k, n)));
            out.add(mth(d.subList(0, k)));
        }
        return out;
    }

    /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
    static List<byte[]> proof(int m, List<byte[]> d) {
        return subproof(m, d, true);
    }

    static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (m == n) {
            if (!b) out.add(mth(d));
            return out;
        }
        int k = k(n);
        if (m <= k) {
            out.addAll(subproof(m, d.subList(0, k), b));
            out.add(mth(d.subList(k, n)));
        } else {
            out.addAll(subproof(m - k, d.subList(k, n), false));
            out.add(mth(d.subList(0, k)));
        }
        return out;
    }

    /** The largest power of two smaller than n. */
    private static int k(int n) {
        int k = 1;
        while (k * 2 < n) k *= 2;
        return k;
    }

    private static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) len += p.length;
        byte[] out = new byte[len];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
