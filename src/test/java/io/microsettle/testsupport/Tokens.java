package io.microsettle.testsupport;

import io.microsettle.security.DevKeys;
import io.microsettle.security.JwtMinter;
import io.microsettle.security.Roles;

import java.nio.file.Path;
import java.util.List;

/** Mints test bearer tokens with the test resource's key. */
public final class Tokens {
    /** An hour: a suite that mints its tokens once (RefusalSuiteTest) must outlast a slow, loaded machine. */
    static final long TTL_SECONDS = 3600;

    private Tokens() {}

    public static String integrator(String sub) {
        return of(sub, Roles.INTEGRATOR);
    }

    public static String auditor(String sub) {
        return of(sub, Roles.AUDITOR);
    }

    public static String of(String sub, String... roles) {
        return JwtMinter.mint(DevKeys.privateKey(keysDir()), EmbeddedPostgresResource.CALLER_KID, EmbeddedPostgresResource.ISSUER,
                JwtMinter.AUDIENCE, sub, List.of(roles), TTL_SECONDS);
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    static Path keysDir() {
        String dir = System.getProperty(EmbeddedPostgresResource.KEYS_DIR_PROPERTY);
        if (dir == null) throw new IllegalStateException("EmbeddedPostgresResource has not started");
        return Path.of(dir);
    }
}
