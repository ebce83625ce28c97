package io.microsettle.risk.rules;

import java.util.Optional;

/**
 * {@code new_wallet_large_amount}: the wallet was bound less than {@code newWalletWindowMillis}
 * ago and the gross is at least {@code largeAmountBaseUnits}: a taken-over account rebinds a
 * wallet and drains it at once. A bind time in the future (clock skew) counts as new.
 */
public final class NewWalletLargeAmountRule implements AnomalyRule {

    @Override
    public HoldReason reason() {
        return HoldReason.NEW_WALLET_LARGE_AMOUNT;
    }

    @Override
    public Optional<HoldFinding> evaluate(AnomalyContext c, AnomalyThresholds t) {
        // Both times are >= 0 (AnomalyContext checks), so the difference cannot overflow.
        long ageMillis = c.nowEpochMillis() - c.walletBoundAtEpochMillis();
        boolean isNew = ageMillis < t.newWalletWindowMillis();
        boolean isLarge = c.amountBaseUnits() >= t.largeAmountBaseUnits();
        if (!isNew || !isLarge) {
            return Optional.empty();
        }
        return Optional.of(HoldFinding.of(reason(),
                "accountId", c.accountId(),
                "amount", c.amountBaseUnits(),
                "largeAmountThreshold", t.largeAmountBaseUnits(),
                "walletAgeMillis", ageMillis,
                "newWalletWindowMillis", t.newWalletWindowMillis()));
    }
}
