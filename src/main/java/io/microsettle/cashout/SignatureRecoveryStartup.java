package io.microsettle.cashout;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Chooses the signature recovery at boot: the log says which one, and the first cash-out does not pay for loading it. */
@ApplicationScoped
class SignatureRecoveryStartup {
    void choose(@Observes StartupEvent e) {
        Secp256k1Recovery.current();
    }
}
