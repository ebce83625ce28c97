package io.microsettle.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The development JWT signing key: an RSA key pair kept as PEM files in a directory
 * ({@code jwt-private.pem}, PKCS#8, and {@code jwt-public.pem}, X.509). Plain Java: used
 * by the {@code token} subcommand without booting Quarkus, and by the tests.
 */
public final class DevKeys {
    public static final String PRIVATE_FILE = "jwt-private.pem";
    public static final String PUBLIC_FILE = "jwt-public.pem";
    public static final String DEV_ISSUER = "microsettle-dev";

    private DevKeys() {}

    /** Generates the key pair under {@code dir} unless it exists; returns the public key file. */
    public static Path ensure(Path dir) {
        Path priv = dir.resolve(PRIVATE_FILE);
        Path pub = dir.resolve(PUBLIC_FILE);
        if (Files.exists(priv) && Files.exists(pub)) return pub;
        try {
            Files.createDirectories(dir);
            KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
            gen.initialize(2048);
            KeyPair kp = gen.generateKeyPair();
            write(priv, "PRIVATE KEY", kp.getPrivate().getEncoded());
            write(pub, "PUBLIC KEY", kp.getPublic().getEncoded());
            restrictToOwner(priv);
            return pub;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes a private key file readable by its owner only, where the file system has POSIX permissions. */
    public static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    public static PrivateKey privateKey(Path dir) {
        try {
            byte[] der = read(dir.resolve(PRIVATE_FILE));
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unreadable private key in " + dir, e);
        }
    }

    public static PublicKey publicKey(Path dir) {
        try {
            byte[] der = read(dir.resolve(PUBLIC_FILE));
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unreadable public key in " + dir, e);
        }
    }

    private static void write(Path file, String label, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n");
    }

    private static byte[] read(Path file) {
        try {
            String pem = Files.readString(file);
            String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return Base64.getDecoder().decode(b64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
