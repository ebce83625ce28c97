package io.microsettle.ops;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
class OpenApiTest {
    @Test
    void documentsEndpointsBearerAndProblems() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/v1/cashouts'.post.responses.'422'.description", containsString("bad_signature"))
                .body("paths.'/v1/accounts/{id}'.get.responses.'404'", notNullValue())
                .body("components.schemas.Problem.properties.code", notNullValue())
                .body("components.securitySchemes.bearer.scheme", containsString("bearer"))
                .body("paths.'/v1/credits'.post.security", notNullValue())
                .body("paths.'/v1/audit/verify'.get", notNullValue());
    }
}
