package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.microsettle.chain.EscrowCapacity.Verdict;
import io.microsettle.chain.contracts.SettlementEscrow;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tuples.generated.Tuple2;

/**
 * The escrow's views on a real Anvil, read through the generated wrapper after a batch: they report what was
 * settled, and the caps rule built on them ({@link EscrowCapacity}) refuses exactly the batches that
 * {@code settleBatch} reverts on-chain. Also the two-step admin transfer with the dev chain's configured delay
 * ({@code microsettle.chain.dev.admin-delay}), as {@link ChainClient} deploys it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class EscrowViewsAnvilTest {

    static final BigInteger UNIT = BigInteger.TEN.pow(6); // TUSD has 6 decimals
    static final Duration ADMIN_DELAY = Duration.ofSeconds(30);
    static final int PAYOUTS = 20;

    final DevAccounts accounts = DevAccounts.defaults();
    final EscrowLimits limits = EscrowLimits.devDefaults();
    ChainClient client;
    HttpService rpc;
    String funder;

    @BeforeAll
    void connect() throws Exception {
        Path base = Path.of("target", "chain-tests");
        Files.createDirectories(base);
        Path dataDir = Files.createTempDirectory(base, "views-anvil-");
        ChainClientTest.Config config = new ChainClientTest.Config(Optional.empty(), 1337, Optional.empty(),
                Optional.empty(), 1, dataDir,
                new ChainClientTest.Dev("anvil", 0, Path.of("contracts"), "node", 0, Duration.ofSeconds(45),
                        DevAccounts.DEFAULT_MNEMONIC, ADMIN_DELAY, true, false),
                new ChainClientTest.Keys(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty()));
        client = ChainClient.connect(config);
        rpc = new HttpService(client.devChain().orElseThrow().rpcUrl());
        funder = client.devFunder().orElseThrow().getAddress();
    }

    @AfterAll
    void close() {
        if (client != null) client.close();
    }

    SettlementEscrow escrowAs(Credentials key) {
        return SettlementEscrow.load(client.escrowAddress(), client.web3j(),
                ContractDeployer.transactionManager(client.web3j(), key, client.chainId()),
                new Eip1559GasProvider(client.web3j(), client.chainId()));
    }

    static List<Long> grosses(List<SettlementEscrow.Payout> payouts) {
        return payouts.stream().map(p -> p.netAmount.add(p.feeAmount).longValueExact()).toList();
    }

    static SettlementEscrow.Payout payout(long id, BigInteger net, BigInteger fee) {
        return new SettlementEscrow.Payout(BigInteger.valueOf(id), AbstractDevChainTest.payee((int) id), net, fee);
    }

    /** The revert data of an eth_call of {@code data} from {@code from}, or null when it does not revert. */
    String revertData(String from, String data) throws Exception {
        EthCall call = client.web3j().ethCall(Transaction.createEthCallTransaction(from, client.escrowAddress(), data),
                DefaultBlockParameterName.LATEST).send();
        if (!call.isReverted() && !call.hasError()) return null;
        return (call.hasError() ? String.valueOf(call.getError().getData()) + call.getError().getMessage()
                : call.getValue()).toLowerCase();
    }

    String settleBatchRevert(long batchId, List<SettlementEscrow.Payout> payouts) throws Exception {
        String data = FunctionEncoder.encode(new Function(SettlementEscrow.FUNC_SETTLEBATCH,
                List.of(new Uint256(batchId), new Address(funder),
                        new DynamicArray<>(SettlementEscrow.Payout.class, payouts)), List.of()));
        return revertData(client.settler().getAddress(), data);
    }

    static String selector(String signature) {
        return Hash.sha3String(signature).substring(2, 10);
    }

    @Test
    @Order(1)
    void theViewsReportWhatABatchSettled() throws Exception {
        EscrowCapacity before = client.escrowCapacity();
        assertThat(before.paused()).isFalse();
        assertThat(before.maxBatchPayouts()).isEqualTo(1000);
        assertThat(before.maxPayoutBaseUnits()).isEqualTo(limits.maxPayoutAmount());
        assertThat(before.maxBatchBaseUnits()).isEqualTo(limits.maxBatchAmount());
        assertThat(before.windowCapBaseUnits()).isEqualTo(limits.windowCapAmount());
        assertThat(before.windowDurationSeconds()).isEqualTo(limits.windowDurationSeconds().longValueExact());
        assertThat(before.windowVolumeBaseUnits()).isZero();
        assertThat(before.windowRemainingBaseUnits()).isEqualTo(limits.windowCapAmount());

        List<SettlementEscrow.Payout> payouts = new ArrayList<>();
        List<BigInteger> ids = new ArrayList<>();
        for (int i = 1; i <= PAYOUTS; i++) {
            payouts.add(payout(i, UNIT.multiply(BigInteger.valueOf(i)).add(BigInteger.valueOf(i)), BigInteger.valueOf(10_000L + i)));
            ids.add(BigInteger.valueOf(i));
        }
        assertThat(before.check(grosses(payouts))).isEqualTo(Verdict.FITS);
        TransactionReceipt receipt = escrowAs(client.settler()).settleBatch(BigInteger.valueOf(7), funder, payouts).send();
        assertThat(receipt.isStatusOK()).isTrue();
        SettlementEscrow.BatchSettledEventResponse batch = SettlementEscrow.getBatchSettledEvents(receipt).getFirst();
        BigInteger settledGross = batch.totalNet.add(batch.totalFee);
        assertThat(settledGross.longValueExact()).isEqualTo(grosses(payouts).stream().mapToLong(Long::longValue).sum());
        long blockTime = client.web3j().ethGetBlockByHash(receipt.getBlockHash(), false).send().getBlock()
                .getTimestamp().longValueExact();

        SettlementEscrow reader = client.escrowReader();
        EscrowCapacity after = client.escrowCapacity();
        assertThat(after.windowStartEpochSeconds()).isEqualTo(blockTime);
        assertThat(after.windowVolumeBaseUnits()).isEqualTo(settledGross);
        assertThat(after.windowRemainingBaseUnits()).isEqualTo(limits.windowCapAmount().subtract(settledGross));
        assertThat(reader.windowRemaining().send()).isEqualTo(after.windowRemainingBaseUnits());
        assertThat(reader.windowVolume().send()).isEqualTo(settledGross);
        assertThat(after.batchHeadroomBaseUnits()).isEqualTo(limits.maxBatchAmount().min(after.windowRemainingBaseUnits()));

        List<BigInteger> asked = new ArrayList<>(ids);
        asked.add(BigInteger.valueOf(PAYOUTS + 1));
        asked.add(BigInteger.valueOf(1_000_000));
        List<Object> settled = List.copyOf(reader.payoutsSettled(asked).send());
        assertThat(settled).hasSize(PAYOUTS + 2);
        assertThat(settled.subList(0, PAYOUTS)).containsOnly(true);
        assertThat(settled.subList(PAYOUTS, PAYOUTS + 2)).containsOnly(false);
        assertThat(reader.isBatchSettled(BigInteger.valueOf(7)).send()).isTrue();
        assertThat(reader.funderBalance(funder).send()).isEqualTo(ChainClient.DEMO_DEPOSIT.subtract(settledGross));
    }

    @Test
    @Order(2)
    void whatTheViewsRefuseRevertsOnChainAndWhatTheyAcceptSettles() throws Exception {
        BigInteger volume = client.escrowCapacity().windowVolumeBaseUnits();
        // the admin leaves 5 TUSD in the window
        BigInteger windowCap = volume.add(UNIT.multiply(BigInteger.valueOf(5)));
        assertThat(escrowAs(accounts.deployer()).setLimits(limits.maxPayoutAmount(), limits.maxBatchAmount(), windowCap,
                limits.windowDurationSeconds()).send().isStatusOK()).isTrue();
        EscrowCapacity capacity = client.escrowCapacity();
        assertThat(capacity.windowRemainingBaseUnits()).isEqualTo(UNIT.multiply(BigInteger.valueOf(5)));

        List<SettlementEscrow.Payout> overWindow = List.of(payout(101, UNIT.multiply(BigInteger.valueOf(5)), BigInteger.ONE));
        assertThat(capacity.check(grosses(overWindow))).isEqualTo(Verdict.WINDOW_OVER_CAP);
        assertThat(settleBatchRevert(8, overWindow)).contains(selector("WindowCapExceeded(uint256,uint256)"));

        List<SettlementEscrow.Payout> overPayoutCap = List.of(payout(102, limits.maxPayoutAmount(), BigInteger.ONE));
        assertThat(capacity.check(grosses(overPayoutCap))).isEqualTo(Verdict.PAYOUT_OVER_CAP);
        assertThat(settleBatchRevert(8, overPayoutCap)).contains(selector("PayoutCapExceeded(uint256,uint256,uint256)"));

        List<SettlementEscrow.Payout> exactlyTheRest = List.of(
                payout(103, UNIT.multiply(BigInteger.valueOf(5)).subtract(BigInteger.TEN), BigInteger.TEN));
        assertThat(capacity.check(grosses(exactlyTheRest))).isEqualTo(Verdict.FITS);
        assertThat(settleBatchRevert(8, exactlyTheRest)).isNull();
        assertThat(escrowAs(client.settler()).settleBatch(BigInteger.valueOf(8), funder, exactlyTheRest).send()
                .isStatusOK()).isTrue();
        EscrowCapacity full = client.escrowCapacity();
        assertThat(full.windowRemainingBaseUnits()).isZero();
        assertThat(full.windowVolumeBaseUnits()).isEqualTo(windowCap);
        assertThat(full.check(List.of(1L))).isEqualTo(Verdict.WINDOW_OVER_CAP);
    }

    @Test
    @Order(3)
    void theDefaultAdminChangesOnlyAfterTheConfiguredDelay() throws Exception {
        SettlementEscrow reader = client.escrowReader();
        String deployer = accounts.deployer().getAddress();
        Credentials next = accounts.anchorer(); // any other dev key
        assertThat(reader.defaultAdmin().send()).isEqualToIgnoringCase(deployer);
        assertThat(reader.defaultAdminDelay().send()).isEqualTo(BigInteger.valueOf(ADMIN_DELAY.toSeconds()));

        TransactionReceipt begun = escrowAs(accounts.deployer()).beginDefaultAdminTransfer(next.getAddress()).send();
        long begunAt = client.web3j().ethGetBlockByHash(begun.getBlockHash(), false).send().getBlock()
                .getTimestamp().longValueExact();
        Tuple2<String, BigInteger> pending = reader.pendingDefaultAdmin().send();
        assertThat(pending.component1()).isEqualToIgnoringCase(next.getAddress());
        assertThat(pending.component2()).isEqualTo(BigInteger.valueOf(begunAt + ADMIN_DELAY.toSeconds()));

        String accept = FunctionEncoder.encode(new Function(SettlementEscrow.FUNC_ACCEPTDEFAULTADMINTRANSFER, List.of(), List.of()));
        assertThat(revertData(next.getAddress(), accept)).as("too early")
                .contains(selector("AccessControlEnforcedDefaultAdminDelay(uint48)"));

        raw("evm_increaseTime", List.of(ADMIN_DELAY.toSeconds() + 1));
        raw("evm_mine", List.of());
        assertThat(escrowAs(next).acceptDefaultAdminTransfer().send().isStatusOK()).isTrue();
        assertThat(reader.defaultAdmin().send()).isEqualToIgnoringCase(next.getAddress());
        byte[] defaultAdminRole = new byte[32];
        assertThat(reader.hasRole(defaultAdminRole, deployer).send()).isFalse();
        assertThat(reader.hasRole(ContractDeployer.SETTLER_ROLE, client.settler().getAddress()).send())
                .as("the other roles stay").isTrue();
    }

    void raw(String method, List<Object> params) throws Exception {
        RawResponse r = new Request<>(method, params, rpc, RawResponse.class).send();
        assertThat(r.hasError()).as(method).isFalse();
    }

    public static class RawResponse extends Response<Object> {}
}
