package io.microsettle.settlement;

import io.microsettle.chain.ChainClient;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.web3j.crypto.Credentials;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nonce lanes: one per settler key that is ACTIVE (new batches) or RETIRING (finishing what it
 * sent). Configured keys are recorded the first time they are used; keys rotated in are read from
 * their keystore files. A key's status in the database wins over the configuration, so a key
 * rotated out stays out after a restart.
 */
@ApplicationScoped
public class SettlerLanes {
    private static final Logger LOG = Logger.getLogger(SettlerLanes.class);

    /** A settler key and whether new batches may go to it. */
    public record Lane(Credentials key, SettlerStatus status) {
        public String address() {
            return key.getAddress().toLowerCase(Locale.ROOT);
        }

        public boolean active() {
            return status == SettlerStatus.ACTIVE;
        }
    }

    @Inject
    ChainClient chain;
    @Inject
    SettlementStore store;

    private final Map<String, Credentials> loaded = new ConcurrentHashMap<>();

    /** The lanes to work this pass: ACTIVE first, then RETIRING; RETIRED keys are left out. */
    public List<Lane> lanes() {
        QuarkusTransaction.requiringNew().run(() -> {
            for (Credentials c : chain.configuredSettlers()) store.recordConfiguredKey(c.getAddress(), chain.chainId());
        });
        Map<String, Credentials> configured = new ConcurrentHashMap<>();
        for (Credentials c : chain.configuredSettlers()) configured.put(c.getAddress().toLowerCase(Locale.ROOT), c);
        List<Lane> active = new ArrayList<>();
        List<Lane> retiring = new ArrayList<>();
        for (SettlementStore.SettlerKey k : store.settlerKeys(chain.chainId())) {
            if (k.status() == SettlerStatus.RETIRED) continue;
            Credentials key = configured.get(k.address());
            if (key == null && k.keystore() != null) key = load(k.keystore());
            if (key == null) {
                LOG.warnf("settler %s is %s but its key is neither configured nor in a keystore; its lane is idle", k.address(), k.status());
                continue;
            }
            (k.status() == SettlerStatus.ACTIVE ? active : retiring).add(new Lane(key, k.status()));
        }
        active.addAll(retiring);
        return active;
    }

    private Credentials load(String keystore) {
        return loaded.computeIfAbsent(keystore, k -> chain.loadSettlerKeystore(Path.of(k)));
    }
}
