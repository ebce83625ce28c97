package io.microsettle.settlement;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.StaticStruct;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** ABI encoding of {@code SettlementEscrow.settleBatch(uint256 batchId, address funder, Payout[] payouts)}. */
public final class SettleBatchCall {
    private SettleBatchCall() {}

    public static final String SIGNATURE = "settleBatch(uint256,address,(uint256,address,uint256,uint256)[])";
    public static final String SELECTOR = Hash.sha3String(SIGNATURE).substring(0, 10);

    public record Payout(long payoutId, String payee, long netBaseUnits, long feeBaseUnits) {}

    /** The Solidity struct {@code Payout(uint256 payoutId, address payee, uint256 netAmount, uint256 feeAmount)}. */
    public static final class PayoutStruct extends StaticStruct {
        public PayoutStruct(Uint256 payoutId, Address payee, Uint256 netAmount, Uint256 feeAmount) {
            super(payoutId, payee, netAmount, feeAmount);
        }
    }

    public static String encode(long batchId, String funder, List<Payout> payouts) {
        if (payouts.isEmpty()) throw new IllegalArgumentException("empty batch");
        List<PayoutStruct> structs = new ArrayList<>(payouts.size());
        for (Payout p : payouts) {
            structs.add(new PayoutStruct(new Uint256(BigInteger.valueOf(p.payoutId())), new Address(p.payee()),
                    new Uint256(BigInteger.valueOf(p.netBaseUnits())), new Uint256(BigInteger.valueOf(p.feeBaseUnits()))));
        }
        List<Type> args = List.of(new Uint256(BigInteger.valueOf(batchId)), new Address(funder),
                new DynamicArray<>(PayoutStruct.class, structs));
        return SELECTOR + Numeric.cleanHexPrefix(FunctionEncoder.encodeConstructor(args));
    }
}
