package io.microsettle.webhook;

import io.microsettle.security.ResponseSeal;
import io.microsettle.security.SecretBox;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * How endpoint secrets are stored: sealed with AES-256-GCM (bound to the endpoint id) when
 * {@code microsettle.webhooks.secret-encryption-key} is set, else in clear. Values stored in
 * clear before a key was set keep working; sealed values need the key. The responses that carry a
 * new secret, kept for their {@code Idempotency-Key}, are stored the same way ({@link ResponseSeal}).
 */
@ApplicationScoped
public class WebhookSecrets implements ResponseSeal {
    @Inject
    WebhookConfig config;

    private volatile SecretBox box;
    private volatile boolean loaded;

    /** A malformed key stops the service at startup rather than at the first endpoint. */
    void check(@Observes StartupEvent e) {
        box();
    }

    /** The form to store. */
    public String store(String secret, String endpointId) {
        SecretBox b = box();
        return b == null ? secret : b.seal(secret, endpointId);
    }

    /** The secret itself; IllegalStateException if it is sealed and no key (or another key) is configured. */
    public String reveal(String stored, String endpointId) {
        if (stored == null || !SecretBox.isSealed(stored)) return stored;
        SecretBox b = box();
        if (b == null) throw new IllegalStateException("the endpoint's secret is encrypted and microsettle.webhooks.secret-encryption-key is not set");
        try {
            return b.open(stored, endpointId);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the endpoint's secret does not decrypt with microsettle.webhooks.secret-encryption-key");
        }
    }

    @Override
    public String seal(String body, String boundTo) {
        return store(body, boundTo);
    }

    @Override
    public String open(String stored, String boundTo) {
        return reveal(stored, boundTo);
    }

    private SecretBox box() {
        if (!loaded) {
            synchronized (this) {
                if (!loaded) {
                    box = config.secretEncryptionKey().map(k -> {
                        try {
                            return SecretBox.ofBase64(k);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalStateException("microsettle.webhooks.secret-encryption-key: " + e.getMessage()
                                    + " (base64 of 32 random bytes, e.g. openssl rand -base64 32)");
                        }
                    }).orElse(null);
                    loaded = true;
                }
            }
        }
        return box;
    }
}
