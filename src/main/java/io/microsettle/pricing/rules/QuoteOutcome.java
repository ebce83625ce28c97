package io.microsettle.pricing.rules;

import java.util.Objects;
import java.util.OptionalLong;

/** Result of {@link QuoteCalculator#price}. */
public sealed interface QuoteOutcome permits QuoteOutcome.Priced, QuoteOutcome.Refused {

    /**
     * A priced quote. Invariants (checked on construction): {@code net + fee == gross},
     * {@code fee == serviceFee + networkFee}, every figure >= 0, net >= 1.
     */
    record Priced(
            long grossBaseUnits,
            long serviceFeeBaseUnits,
            long networkFeeBaseUnits,
            long feeBaseUnits,
            long netBaseUnits,
            long feeScheduleVersion,
            int serviceFeeBps,
            long tierFromVolumeBaseUnits,
            NetworkFeeEstimate networkFee) implements QuoteOutcome {
        public Priced {
            Objects.requireNonNull(networkFee, "networkFee");
            if (serviceFeeBaseUnits < 0 || networkFeeBaseUnits < 0 || netBaseUnits < 1) {
                throw new IllegalStateException("negative fee or non-positive net");
            }
            if (feeBaseUnits != Math.addExact(serviceFeeBaseUnits, networkFeeBaseUnits)) {
                throw new IllegalStateException("fee != serviceFee + networkFee");
            }
            if (Math.addExact(netBaseUnits, feeBaseUnits) != grossBaseUnits) {
                throw new IllegalStateException("net + fee != gross");
            }
            if (networkFee.networkFeeBaseUnits() != networkFeeBaseUnits) {
                throw new IllegalStateException("networkFee figure mismatch");
            }
        }

        public GasInputs gasInputs() {
            return networkFee.gasInputs();
        }
    }

    /**
     * Not priceable.
     *
     * @param minimumGrossBaseUnits for {@code amount_too_small}: the smallest gross that would price
     *                              under the same inputs, if any
     */
    record Refused(QuoteRefusalCode code, String detail, OptionalLong minimumGrossBaseUnits) implements QuoteOutcome {
        public Refused {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(minimumGrossBaseUnits, "minimumGrossBaseUnits");
        }
    }
}
