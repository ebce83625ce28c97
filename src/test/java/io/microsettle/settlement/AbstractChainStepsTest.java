package io.microsettle.settlement;

import io.agroal.api.AgroalDataSource;
import io.microsettle.ledger.LedgerService;
import io.microsettle.reconcile.ReconcileService;
import io.microsettle.testsupport.DbRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What the Anvil tests that drive settlement and reconciliation tick by tick share: the services they drive and
 * {@link ChainSteps} over the class's chain and database, opened once per class. Each subclass names its own
 * {@code ChainTestResource} arguments.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractChainStepsTest {
    @Inject AgroalDataSource ds;
    @Inject LedgerService ledger;
    @Inject SettlementService settlement;
    @Inject ReconcileService reconcile;
    @Inject DbRows db;

    ChainSteps chain;

    @BeforeAll
    void openChainSteps() {
        chain = new ChainSteps(ds, db);
    }

    @AfterAll
    void closeChainSteps() {
        chain.close();
    }

    /** {@code count} QUEUED cash-outs of {@code grossBaseUnits} (fee 20,000) to new payees, each in its own transaction; their ids. */
    List<String> queuedCashouts(String ref, int count, long grossBaseUnits) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(QuarkusTransaction.requiringNew().call(() -> new TestCashouts(ds, ledger).queued(ref, TestCashouts.randomAddress(),
                    grossBaseUnits, 20_000)));
        }
        return ids;
    }
}
