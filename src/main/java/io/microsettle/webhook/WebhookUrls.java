package io.microsettle.webhook;

import io.microsettle.infra.ApiException;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which webhook URLs an endpoint may have, and which addresses are not public (plain Java).
 * A URL is absolute, at most {@value #MAX_URL_CHARS} characters, https (http only when allowed),
 * has a host, no user info and no fragment. Its host is a DNS name, a dotted-quad IPv4 literal
 * or a bracketed IPv6 literal; numeric forms that resolvers read differently ({@code 2130706433},
 * {@code 0x7f.1}, {@code 127.1}, {@code 010.0.0.1}) are refused. Unless private addresses are
 * allowed, a literal that is not public and {@code localhost} are refused; names are checked
 * again, resolved, at every delivery.
 */
public final class WebhookUrls {
    public static final int MAX_URL_CHARS = 2048;
    private static final Pattern DOTTED_QUAD = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern NUMERIC_LABEL = Pattern.compile("(0x[0-9a-f]*|[0-9]+)");

    private WebhookUrls() {}

    /** Checks a URL as given; returns it parsed. Refusals: 400 validation_failed naming {@code url}. */
    public static URI validate(String url, boolean allowHttp, boolean allowPrivateAddresses) {
        if (url == null || url.isBlank()) throw refuse("is required");
        if (url.length() > MAX_URL_CHARS) throw refuse("is longer than " + MAX_URL_CHARS + " characters");
        if (!url.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw refuse("must be printable ASCII without spaces (percent-encode the rest, punycode for hosts)");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw refuse("is not a URL: " + e.getReason());
        }
        if (!uri.isAbsolute() || uri.isOpaque()) throw refuse("must be an absolute URL (https://host/path)");
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
            throw refuse(allowHttp ? "scheme must be https or http" : "scheme must be https");
        }
        if (uri.getRawUserInfo() != null) throw refuse("must not carry user info (user:password@)");
        if (uri.getRawFragment() != null) throw refuse("must not have a fragment (#...)");
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            // java.net.URI leaves the host out when it is not a valid name or address (e.g. 127.1, 256.1.1.1)
            throw refuse(uri.getRawAuthority() == null ? "has no host"
                    : "host must be a DNS name, a dotted-quad IPv4 address or a bracketed IPv6 address");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) throw refuse("port must be 1 to 65535");
        Optional<InetAddress> literal = literal(host);
        if (literal.isEmpty()) {
            String name = host.toLowerCase(Locale.ROOT);
            if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
            String last = name.substring(name.lastIndexOf('.') + 1);
            if (NUMERIC_LABEL.matcher(last).matches()) {
                throw refuse("host must be a DNS name, a dotted-quad IPv4 address or a bracketed IPv6 address");
            }
            if (!allowPrivateAddresses && (name.equals("localhost") || name.endsWith(".localhost"))) {
                throw refuse("host must not be a loopback, private, link-local or multicast address");
            }
        } else if (!allowPrivateAddresses && isPrivate(literal.get())) {
            throw refuse("host must not be a loopback, private, link-local or multicast address");
        }
        return uri;
    }

    /** The host as an IP address if it is a literal (never a DNS lookup). */
    static Optional<InetAddress> literal(String host) {
        try {
            if (host.startsWith("[") && host.endsWith("]")) {
                return Optional.of(InetAddress.getByName(host.substring(1, host.length() - 1)));
            }
            if (DOTTED_QUAD.matcher(host).matches()) {
                for (String part : host.split("\\.")) {
                    if (Integer.parseInt(part) > 255) throw refuse("host is not an IPv4 address");
                }
                return Optional.of(InetAddress.getByName(host));
            }
        } catch (UnknownHostException e) {
            throw refuse("host is not an IP address");
        }
        return Optional.empty();
    }

    /**
     * Whether an address is not a public unicast address: unspecified, loopback, private
     * (RFC 1918, unique-local fc00::/7), shared (100.64/10), link-local, multicast, reserved,
     * benchmarking and documentation ranges; IPv6 forms that embed an IPv4 address (mapped,
     * compatible, NAT64, 6to4) are judged by that address, Teredo and site-local are not public.
     */
    public static boolean isPrivate(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) return privateV4(b, 0);
        if (!(address instanceof Inet6Address) || b.length != 16) return true;
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        boolean first10Zero = true;
        for (int i = 0; i < 10; i++) first10Zero &= b[i] == 0;
        if (first10Zero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) return privateV4(b, 12); // ::ffff:a.b.c.d
        if (first10Zero && b[10] == 0 && b[11] == 0) return true;             // ::, ::1, ::a.b.c.d (deprecated)
        if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            boolean wellKnown = true;
            for (int i = 4; i < 12; i++) wellKnown &= b[i] == 0;
            return !wellKnown || privateV4(b, 12);                            // 64:ff9b::/96 NAT64; 64:ff9b:1::/48 local
        }
        if (b0 == 0x01 && b1 == 0x00 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0) {
            return true;                                                       // 100::/64 discard-only
        }
        if (b0 == 0x20 && b1 == 0x01 && b[2] == 0x0d && (b[3] & 0xff) == 0xb8) return true; // 2001:db8::/32 documentation
        if (b0 == 0x20 && b1 == 0x01 && b[2] == 0 && b[3] == 0) return true;  // 2001::/32 Teredo
        if (b0 == 0x20 && b1 == 0x02) return privateV4(b, 2);                 // 2002::/16 6to4
        if ((b0 & 0xfe) == 0xfc) return true;                                 // fc00::/7 unique local
        if (b0 == 0xfe && (b1 & 0xc0) == 0x80) return true;                   // fe80::/10 link-local
        if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) return true;                   // fec0::/10 site-local (deprecated)
        if (b0 == 0xff) return true;                                          // ff00::/8 multicast
        return false;
    }

    private static boolean privateV4(byte[] b, int off) {
        int a = b[off] & 0xff;
        int c = b[off + 1] & 0xff;
        int d = b[off + 2] & 0xff;
        return a == 0                                   // 0.0.0.0/8 "this network"
                || a == 10                              // 10/8
                || a == 127                             // loopback
                || (a == 100 && (c & 0xc0) == 64)       // 100.64/10 shared (CGNAT)
                || (a == 169 && c == 254)               // link-local
                || (a == 172 && (c & 0xf0) == 16)       // 172.16/12
                || (a == 192 && c == 0 && d == 0)       // 192.0.0/24 IETF protocol assignments
                || (a == 192 && c == 0 && d == 2)       // 192.0.2/24 TEST-NET-1
                || (a == 192 && c == 168)               // 192.168/16
                || (a == 198 && (c & 0xfe) == 18)       // 198.18/15 benchmarking
                || (a == 198 && c == 51 && d == 100)    // TEST-NET-2
                || (a == 203 && c == 0 && d == 113)     // TEST-NET-3
                || a >= 224;                            // multicast 224/4, reserved 240/4, broadcast
    }

    private static ApiException refuse(String why) {
        return ApiException.validation("url", why);
    }
}
