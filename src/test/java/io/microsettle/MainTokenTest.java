package io.microsettle;

import io.microsettle.security.DevKeys;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code token} subcommand mints a verifiable token without booting Quarkus. */
class MainTokenTest {
    @AfterEach
    void clear() {
        System.clearProperty("microsettle.data-dir");
    }

    @Test
    void mintsARoleTokenWithTheDevKey(@TempDir Path dir) throws Exception {
        System.setProperty("microsettle.data-dir", dir.toString());
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf));
            rc = Main.token(new String[]{"--sub", "acme", "--role", "auditor", "--ttl-seconds", "120"});
        } finally {
            System.setOut(out);
        }
        assertThat(rc).isZero();
        String token = buf.toString().trim();
        JwtClaims claims = new JwtConsumerBuilder()
                .setVerificationKey(DevKeys.publicKey(dir.resolve("keys")))
                .setExpectedIssuer(DevKeys.DEV_ISSUER)
                .setExpectedAudience(io.microsettle.security.JwtMinter.AUDIENCE)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, "RS256")
                .build().processToClaims(token);
        assertThat(claims.getSubject()).isEqualTo("acme");
        assertThat(claims.getStringListClaimValue("groups")).containsExactly("auditor");
        assertThat(claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue()).isEqualTo(120);
    }

    @Test
    void refusesBadArguments() {
        PrintStream err = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream()));
            assertThat(Main.token(new String[]{"--sub", "acme", "--role", "root"})).isEqualTo(2);
            assertThat(Main.token(new String[]{"--role", "admin"})).isEqualTo(2);
            assertThat(Main.token(new String[]{"--sub", "a", "--role", "admin", "--ttl-seconds", "x"})).isEqualTo(2);
            assertThat(Main.token(new String[]{"--sub", "a", "--role", "admin", "--ttl-seconds", "0"})).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void mintsAVerificationTokenWithTheDevVerifier(@TempDir Path dir) throws Exception {
        System.setProperty("microsettle.data-dir", dir.toString());
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf));
            rc = Main.verificationToken(new String[]{"--sub", "user-42", "--wallet",
                    "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "--level", "BASIC"});
        } finally {
            System.setOut(out);
        }
        assertThat(rc).isZero();
        String jwks = java.nio.file.Files.readString(dir.resolve("keys").resolve(io.microsettle.account.DevVerifier.JWKS_FILE));
        var outcome = new io.microsettle.account.VerificationTokens(jwks, io.microsettle.account.DevVerifier.ISSUER, 60)
                .check(buf.toString().trim(), "user-42", java.time.Instant.now());
        assertThat(outcome).isInstanceOfSatisfying(io.microsettle.account.VerificationTokens.Verified.class,
                v -> assertThat(v.level()).isEqualTo(io.microsettle.account.VerificationLevel.BASIC));
    }

    @Test
    void refusesBadVerificationTokenArguments(@TempDir Path dir) {
        System.setProperty("microsettle.data-dir", dir.toString());
        PrintStream err = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream()));
            assertThat(Main.verificationToken(new String[]{"--sub", "u", "--wallet", "nope"})).isEqualTo(2);
            assertThat(Main.verificationToken(new String[]{"--sub", "u", "--wallet",
                    "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "--level", "GOLD"})).isEqualTo(2);
            assertThat(Main.verificationToken(new String[]{"--sub"})).isEqualTo(2);
            assertThat(Main.verificationToken(new String[]{"--bogus", "1"})).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
    }
}
