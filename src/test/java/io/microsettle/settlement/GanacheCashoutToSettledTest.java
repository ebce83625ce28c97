package io.microsettle.settlement;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Timeout;

@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "kind", value = "ganache"))
@Timeout(180)
class GanacheCashoutToSettledTest extends AbstractCashoutToSettledTest {
    @Override
    String chainName() { return "ganache"; }
}
