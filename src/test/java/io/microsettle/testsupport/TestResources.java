package io.microsettle.testsupport;

import io.quarkus.test.common.QuarkusTestResource;

/**
 * Registers the one test resource for every @QuarkusTest (not restricted to a class), so all
 * suites share one Quarkus boot.
 */
@QuarkusTestResource(EmbeddedPostgresResource.class)
public final class TestResources {
    private TestResources() {}
}
