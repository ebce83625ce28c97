package io.microsettle.ledger;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Every integrator's escrow funding for operators: the integrators configured with a funder and those with
 * accounts (at most {@link #MAX_INTEGRATORS}), each with its funder's balance on chain (read through
 * {@link EscrowFunding}'s short cache, outside any transaction), its unsettled obligations and the headroom.
 * Integrators sharing a funder each see the funder's whole balance, as their cash-out checks do.
 */
@ApplicationScoped
public class EscrowOverview {
    public static final int MAX_INTEGRATORS = 200;

    public record Row(String integratorId, String funder, BigInteger funderBalance, long obligationsBaseUnits) {
        public BigInteger headroom() {
            return funderBalance == null ? null : funderBalance.subtract(BigInteger.valueOf(obligationsBaseUnits));
        }
    }

    public record Overview(List<Row> integrators, boolean truncated) {}

    @Inject
    EscrowFunding funding;
    @Inject
    FundingConfig config;
    @Inject
    AgroalDataSource ds;

    public Overview overview() {
        TreeSet<String> ids = new TreeSet<>(config.funders().keySet());
        ids.addAll(Db.query(ds, "SELECT DISTINCT integrator_id FROM accounts ORDER BY integrator_id LIMIT ?", rs -> rs.getString(1),
                MAX_INTEGRATORS + 1));
        boolean truncated = ids.size() > MAX_INTEGRATORS;
        List<Row> rows = new ArrayList<>();
        for (String id : ids) {
            if (rows.size() == MAX_INTEGRATORS) break;
            String funder = funding.funderOf(id).orElse(null);
            BigInteger balance = funder == null ? null : funding.funderBalance(funder);
            rows.add(new Row(id, funder, balance, funding.obligations(id)));
        }
        return new Overview(rows, truncated);
    }
}
