package io.microsettle.settlement;

import io.microsettle.infra.Db;
import io.microsettle.ledger.LedgerService;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/** Writes QUEUED cash-outs as the cash-out feature leaves them (account, quote, credit, hold), for settlement tests. */
record TestCashouts(DataSource ds, LedgerService ledger) {

    static final SecureRandom RANDOM = new SecureRandom();

    static String randomAddress() {
        byte[] b = new byte[20];
        RANDOM.nextBytes(b);
        return Keys.toChecksumAddress(Numeric.toHexString(b));
    }

    /** Call inside a transaction. */
    String queued(String ref, String payee, long gross, long fee) {
        return queued("demo", ref, payee, gross, fee);
    }

    /** A QUEUED cash-out of {@code integrator} (whose funder pays it), written as a request would. Call inside a transaction. */
    String queued(String integrator, String ref, String payee, long gross, long fee) {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String acct = "acct_" + ref + suffix;
        String quote = "quote_" + ref + suffix;
        String co = "co_" + ref + suffix;
        Db.update(ds, "INSERT INTO accounts (id, integrator_id, external_ref, verification_level, wallet, created_at, updated_at) "
                + "VALUES (?, ?, ?, 'BASIC', ?, now(), now())", acct, integrator, acct, payee);
        Db.update(ds, "INSERT INTO quotes (id, integrator_id, account_id, gross_base_units, service_fee_base_units, network_fee_base_units, "
                + "fee_base_units, net_base_units, destination, chain_id, escrow_address, deadline_epoch_seconds, expires_at, created_at) "
                + "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, 1337, ?, 0, now(), now())", quote, integrator, acct, gross, fee, fee, gross - fee, payee,
                ChainTestResource.deployment.escrow());
        Db.update(ds, "INSERT INTO cashouts (id, integrator_id, account_id, quote_id, status, gross_base_units, fee_base_units, "
                + "net_base_units, destination, wallet, signature, created_at, updated_at) VALUES (?, ?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, '0x', now(), now())",
                co, integrator, acct, quote, gross, fee, gross - fee, payee, payee);
        ledger.credit(integrator, List.of(new LedgerService.CreditItem(acct, gross, "ref-" + co)));
        ledger.hold(integrator, acct, gross, co);
        return co;
    }
}
