package io.microsettle.settlement;

import io.agroal.api.AgroalDataSource;
import io.microsettle.ledger.LedgerService;
import io.microsettle.reconcile.ReconcileService;
import io.microsettle.testsupport.DbRows;
import jakarta.inject.Inject;
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
}
