package io.microsettle.dashboard;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The operator dashboard is a static app under META-INF/resources/dashboard/ (no build step; Chart.js from its
 * webjar): {@code /dashboard} redirects to {@code /dashboard/}. Its Content-Security-Policy and other headers
 * are configuration ({@code quarkus.http.filter.dashboard.*} in application.properties); the page reads the API
 * with the operator's bearer token, which it keeps in sessionStorage and sends only in the Authorization header.
 */
@ApplicationScoped
public class DashboardRoutes {
    public static final String PATH = "/dashboard/";

    void routes(@Observes Router router) {
        // Vert.x matches "/dashboard/" here too (a trailing slash is ignored): that one goes on to the static files
        router.get("/dashboard").handler(rc -> {
            if (rc.normalizedPath().equals("/dashboard")) {
                rc.response().setStatusCode(308).putHeader("Location", PATH).end();
            } else {
                rc.next();
            }
        });
    }
}
