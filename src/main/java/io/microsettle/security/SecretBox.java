package io.microsettle.security;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Encryption at rest of small secrets (plain Java): AES-256-GCM with a random 96-bit nonce per
 * value and associated data that binds the value to its row (a sealed secret copied to another
 * row does not open). Sealed form: {@code aesgcm:v1:<base64url(nonce ‖ ciphertext ‖ tag)>}.
 */
public final class SecretBox {
    public static final String PREFIX = "aesgcm:v1:";
    public static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    public SecretBox(byte[] key) {
        if (key.length != KEY_BYTES) throw new IllegalArgumentException("the key must be " + KEY_BYTES + " bytes (AES-256)");
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /** A key given as base64 (standard or URL-safe) of 32 bytes, e.g. from {@code openssl rand -base64 32}. */
    public static SecretBox ofBase64(String key) {
        byte[] raw;
        try {
            String k = key.trim();
            raw = k.indexOf('-') >= 0 || k.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(k) : Base64.getDecoder().decode(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key is not base64");
        }
        return new SecretBox(raw);
    }

    public static boolean isSealed(String value) {
        return value != null && value.startsWith(PREFIX);
    }

    public String seal(String plaintext, String associatedData) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = ByteBuffer.allocate(nonce.length + ct.length).put(nonce).put(ct).array();
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens a sealed value; IllegalArgumentException if it is not one, or was sealed with another key or for another row. */
    public String open(String sealed, String associatedData) {
        if (!isSealed(sealed)) throw new IllegalArgumentException("not a sealed value");
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a sealed value that is not base64url");
        }
        if (in.length < NONCE_BYTES + TAG_BITS / 8) throw new IllegalArgumentException("a sealed value too short");
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("the sealed value does not open with this key for this row");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
