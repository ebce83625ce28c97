package io.microsettle.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for a child process (a dev chain, a service under test) to listen on. A port is free only at the
 * time of the call: the child binds it later, so a caller checks the child's start and picks again when it says the
 * port was taken ({@link #saysAddressInUse}).
 */
public final class ListenPorts {
    /**
     * Below Linux's ephemeral range (32768 and up): no outgoing connection of the machine (JDBC, HTTP, the chain's)
     * takes such a port as its local one between the choice and the child's bind, as one from {@code new
     * ServerSocket(0)} can (seen in CI).
     */
    public static final int LOW = 20_000;
    public static final int HIGH = 32_000;
    /** Random ports tried before giving up on the range. */
    static final int MAX_TRIES = 200;
    /** Starts of a child whose chosen port another process took first, each with another port. */
    public static final int MAX_START_ATTEMPTS = 3;

    private ListenPorts() {}

    /** A loopback port in [{@link #LOW}, {@link #HIGH}) that nothing listens on now. */
    public static int freeLoopbackPort() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < MAX_TRIES; i++) {
            int port = random.nextInt(LOW, HIGH);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free loopback port in " + LOW + "-" + (HIGH - 1) + " after " + MAX_TRIES + " tries");
    }

    /**
     * Whether a child's output says its listen address was taken: Anvil ("Address already in use (os error 98)"),
     * Node ("EADDRINUSE"), Quarkus ("Port … seems to be in use by another process").
     */
    public static boolean saysAddressInUse(String output) {
        String s = output.toLowerCase(Locale.ROOT);
        return s.contains("address already in use") || s.contains("eaddrinuse") || s.contains("seems to be in use by another process");
    }
}
