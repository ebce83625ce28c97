package io.microsettle.security;

/**
 * Encryption at rest of a response kept for replay that carries a secret (a webhook endpoint's signing
 * secret, answered once at its creation or rotation): the owner of the secret seals the body as it seals
 * the secret itself, so that the {@code idempotency_keys} row does not hold in clear for a day what the
 * owner's own table holds encrypted. {@code boundTo} names the key's row: a sealed body copied to another
 * row does not open.
 */
public interface ResponseSeal {
    /** The body as it is to be stored: sealed, or as it is when the owner stores its secrets in clear. */
    String seal(String body, String boundTo);

    /** The body again; IllegalStateException when it is sealed and cannot be opened (no key, or another one). */
    String open(String stored, String boundTo);
}
