package io.microsettle.security;

import java.util.Set;

/** Role names carried in the JWT {@code groups} claim. */
public final class Roles {
    public static final String INTEGRATOR = "integrator";
    public static final String AUDITOR = "auditor";
    public static final String OPERATOR = "operator";
    public static final String ADMIN = "admin";
    public static final Set<String> ALL = Set.of(INTEGRATOR, AUDITOR, OPERATOR, ADMIN);

    private Roles() {}
}
