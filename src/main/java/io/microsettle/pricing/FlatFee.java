package io.microsettle.pricing;

/** Flat fee pricing (plain Java): fee = service + network; net = gross − fee must stay positive. */
public final class FlatFee {
    /** Every figure of a priced cash-out, in base units; net + fee == gross. */
    public record Breakdown(long grossBaseUnits, long serviceFeeBaseUnits, long networkFeeBaseUnits,
                            long feeBaseUnits, long netBaseUnits) {}

    public sealed interface Outcome permits Priced, TooSmall {}

    public record Priced(Breakdown breakdown) implements Outcome {}

    /** The gross does not cover the fee. */
    public record TooSmall(long grossBaseUnits, long feeBaseUnits) implements Outcome {}

    private FlatFee() {}

    public static Outcome price(long grossBaseUnits, long serviceFeeBaseUnits, long networkFeeBaseUnits) {
        if (grossBaseUnits <= 0) throw new IllegalArgumentException("gross must be positive");
        if (serviceFeeBaseUnits < 0 || networkFeeBaseUnits < 0) throw new IllegalArgumentException("fees must not be negative");
        long fee = Math.addExact(serviceFeeBaseUnits, networkFeeBaseUnits);
        long net = grossBaseUnits - fee;
        if (net <= 0) return new TooSmall(grossBaseUnits, fee);
        return new Priced(new Breakdown(grossBaseUnits, serviceFeeBaseUnits, networkFeeBaseUnits, fee, net));
    }
}
