package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.chain.contracts.TestStablecoin;

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
import org.web3j.crypto.Hash;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.TransactionManager;
import org.web3j.utils.Numeric;

/**
 * The chain feature end to end on one dev chain kind: start, deploy, fund, settle 100 payouts, read the events
 * back through the generated wrapper, replay protection, restart with the same data dir.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90)
abstract class AbstractDevChainTest {

    static final BigInteger UNIT = BigInteger.TEN.pow(6); // TUSD has 6 decimals
    static final BigInteger DEPOSIT = BigInteger.valueOf(1_000_000).multiply(UNIT);
    static final int PAYOUTS = 100;

    final DevAccounts accounts = DevAccounts.defaults();
    Path dataDir;
    DevChain chain;
    Web3j web3j;
    Deployment deployment;

    abstract DevChain.Kind kind();

    @BeforeAll
    void startChainAndDeploy() throws Exception {
        Path base = Path.of("target", "chain-tests");
        Files.createDirectories(base);
        dataDir = Files.createTempDirectory(base, kind().id() + "-");
        startChain();
        deployment = deployer().deployOrReuse(ContractDeployer.Roles.of(accounts), EscrowLimits.devDefaults());
        assertThat(deployment.reused()).isFalse();
        assertThat(deployment.chainId()).isEqualTo(1337L);
        assertThat(Files.readString(dataDir.resolve(ContractDeployer.RECORD_FILE)))
                .contains(deployment.escrow(), deployment.token(), deployment.genesisHash());
    }

    @AfterAll
    void stopChain() {
        if (web3j != null) web3j.shutdown();
        if (chain != null) chain.close();
    }

    private void startChain() {
        chain = DevChain.Options.builder(kind(), Path.of("contracts"), dataDir)
                .startupTimeout(Duration.ofSeconds(45))
                .start();
        // Ganache's estimate of the 100-payout batch takes seconds on a busy two-core machine: OkHttp's 10 s default timed out once
        web3j = Web3j.build(new HttpService(chain.rpcUrl(), new okhttp3.OkHttpClient.Builder().readTimeout(Duration.ofSeconds(60)).build()));
    }

    ContractDeployer deployer() {
        return new ContractDeployer(web3j, accounts.deployer(), chain.chainId(), dataDir);
    }

    TransactionManager tm(org.web3j.crypto.Credentials c) {
        return ContractDeployer.transactionManager(web3j, c, chain.chainId());
    }

    TestStablecoin token(org.web3j.crypto.Credentials c) {
        return TestStablecoin.load(deployment.token(), web3j, tm(c), new Eip1559GasProvider(web3j, chain.chainId()));
    }

    SettlementEscrow escrow(org.web3j.crypto.Credentials c) {
        return SettlementEscrow.load(deployment.escrow(), web3j, tm(c), new Eip1559GasProvider(web3j, chain.chainId()));
    }

    static String payee(int i) {
        byte[] h = Hash.sha3(("payee-" + i).getBytes(StandardCharsets.UTF_8));
        return Keys.toChecksumAddress(Numeric.toHexString(h, 12, 20, true));
    }

    @Test
    @Order(1)
    void answersWithChainId1337AndDevAccountsAreFunded() throws Exception {
        assertThat(chain.clientVersion()).isNotBlank();
        assertThat(web3j.ethChainId().send().getChainId()).isEqualTo(BigInteger.valueOf(1337));
        assertThat(accounts.deployer().getAddress()).isEqualToIgnoringCase("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assertThat(web3j.ethGetBalance(accounts.settler().getAddress(), DefaultBlockParameterName.LATEST).send()
                .getBalance()).isPositive();
        assertThat(Files.exists(chain.logFile())).isTrue();
        SettlementEscrow escrow = escrow(accounts.deployer());
        assertThat(escrow.hasRole(ContractDeployer.SETTLER_ROLE, accounts.settler().getAddress()).send()).isTrue();
        assertThat(escrow.hasRole(ContractDeployer.ANCHOR_ROLE, accounts.anchorer().getAddress()).send()).isTrue();
        assertThat(escrow.hasRole(ContractDeployer.PAUSER_ROLE, accounts.deployer().getAddress()).send()).isTrue();
        assertThat(escrow.treasury().send()).isEqualToIgnoringCase(accounts.treasury().getAddress());
    }

    @Test
    @Order(2)
    void settlesABatchOf100PayoutsAndReadsTheEventsBack() throws Exception {
        String funder = accounts.funder().getAddress();
        String treasury = accounts.treasury().getAddress();
        // mint + approve + deposit for the demo funder
        assertThat(deployer().fundFunder(deployment, accounts.funder(), DEPOSIT)).isTrue();
        assertThat(deployer().fundFunder(deployment, accounts.funder(), DEPOSIT)).as("second call skips").isFalse();
        assertThat(escrow(accounts.funder()).availableBalance(funder).send()).isEqualTo(DEPOSIT);

        BigInteger batchId = BigInteger.ONE;
        List<SettlementEscrow.Payout> payouts = new ArrayList<>();
        BigInteger totalNet = BigInteger.ZERO;
        BigInteger totalFee = BigInteger.ZERO;
        for (int i = 0; i < PAYOUTS; i++) {
            BigInteger net = UNIT.add(BigInteger.valueOf(1_000L * i));
            BigInteger fee = BigInteger.valueOf(10_000L + i);
            payouts.add(new SettlementEscrow.Payout(BigInteger.valueOf(i + 1), payee(i), net, fee));
            totalNet = totalNet.add(net);
            totalFee = totalFee.add(fee);
        }
        TransactionReceipt receipt = escrow(accounts.settler()).settleBatch(batchId, funder, payouts).send();
        assertThat(receipt.isStatusOK()).isTrue();
        System.out.printf("[%s] settleBatch of %d payouts: %s gas (%d per payout)%n", kind().id(), PAYOUTS,
                receipt.getGasUsed(), receipt.getGasUsed().longValue() / PAYOUTS);

        // events from the receipt, decoded by the generated wrapper
        List<SettlementEscrow.PayoutSettledEventResponse> settled = SettlementEscrow.getPayoutSettledEvents(receipt);
        assertThat(settled).hasSize(PAYOUTS);
        for (int i = 0; i < PAYOUTS; i++) {
            SettlementEscrow.PayoutSettledEventResponse e = settled.get(i);
            assertThat(e.payoutId).isEqualTo(payouts.get(i).payoutId);
            assertThat(e.batchId).isEqualTo(batchId);
            assertThat(e.payee).isEqualToIgnoringCase(payouts.get(i).payee);
            assertThat(e.netAmount).isEqualTo(payouts.get(i).netAmount);
            assertThat(e.feeAmount).isEqualTo(payouts.get(i).feeAmount);
        }
        List<SettlementEscrow.BatchSettledEventResponse> batches = SettlementEscrow.getBatchSettledEvents(receipt);
        assertThat(batches).hasSize(1);
        assertThat(batches.getFirst().batchId).isEqualTo(batchId);
        assertThat(batches.getFirst().funder).isEqualToIgnoringCase(funder);
        assertThat(batches.getFirst().count).isEqualTo(BigInteger.valueOf(PAYOUTS));
        assertThat(batches.getFirst().totalNet).isEqualTo(totalNet);
        assertThat(batches.getFirst().totalFee).isEqualTo(totalFee);

        // the same events read back with eth_getLogs over the receipt's block, as the reconciler will
        DefaultBlockParameter block = DefaultBlockParameter.valueOf(receipt.getBlockNumber());
        EthFilter filter = new EthFilter(block, block, deployment.escrow());
        filter.addSingleTopic(org.web3j.abi.EventEncoder.encode(SettlementEscrow.PAYOUTSETTLED_EVENT));
        List<EthLog.LogResult> logs = web3j.ethGetLogs(filter).send().getLogs();
        assertThat(logs).hasSize(PAYOUTS);
        for (int i = 0; i < PAYOUTS; i++) {
            Log log = (Log) logs.get(i).get();
            SettlementEscrow.PayoutSettledEventResponse e = SettlementEscrow.getPayoutSettledEventFromLog(log);
            assertThat(e.payoutId).isEqualTo(BigInteger.valueOf(i + 1));
            assertThat(e.payee).isEqualToIgnoringCase(payee(i));
            assertThat(e.netAmount).isEqualTo(payouts.get(i).netAmount);
            assertThat(log.getTransactionHash()).isEqualTo(receipt.getTransactionHash());
        }

        // balances
        TestStablecoin reader = token(accounts.deployer());
        for (int i = 0; i < PAYOUTS; i++) {
            assertThat(reader.balanceOf(payee(i)).send()).as("payee %d", i).isEqualTo(payouts.get(i).netAmount);
        }
        assertThat(reader.balanceOf(treasury).send()).isEqualTo(totalFee);
        BigInteger remaining = DEPOSIT.subtract(totalNet).subtract(totalFee);
        SettlementEscrow escrow = escrow(accounts.deployer());
        assertThat(escrow.availableBalance(funder).send()).isEqualTo(remaining);
        assertThat(escrow.funderBalance(funder).send()).isEqualTo(remaining);
        assertThat(reader.balanceOf(deployment.escrow()).send()).isEqualTo(remaining);
        assertThat(escrow.isPayoutSettled(BigInteger.ONE).send()).isTrue();
        assertThat(escrow.isPayoutSettled(BigInteger.valueOf(PAYOUTS + 1)).send()).isFalse();
        assertThat(escrow.isBatchSettled(batchId).send()).isTrue();
    }

    @Test
    @Order(3)
    void aReplayedPayoutIdReverts() throws Exception {
        String funder = accounts.funder().getAddress();
        SettlementEscrow settler = escrow(accounts.settler());
        BigInteger before = settler.funderBalance(funder).send();
        String payee = payee(10_000);
        BigInteger net = BigInteger.valueOf(5).multiply(UNIT);
        BigInteger fee = BigInteger.valueOf(50_000);
        assertThat(settler.settleBatch(BigInteger.valueOf(2), funder,
                List.of(new SettlementEscrow.Payout(BigInteger.valueOf(1001), payee, net, fee))).send().isStatusOK())
                .isTrue();

        // batch 3 repeats payout 1001 next to a new id 1002: the whole batch reverts
        List<SettlementEscrow.Payout> replay = List.of(
                new SettlementEscrow.Payout(BigInteger.valueOf(1002), payee, net, fee),
                new SettlementEscrow.Payout(BigInteger.valueOf(1001), payee, net, fee));
        String data = FunctionEncoder.encode(new Function(SettlementEscrow.FUNC_SETTLEBATCH,
                List.of(new Uint256(3), new Address(funder),
                        new DynamicArray<>(SettlementEscrow.Payout.class, replay)),
                List.of()));
        EthCall call = web3j.ethCall(Transaction.createEthCallTransaction(accounts.settler().getAddress(),
                deployment.escrow(), data), DefaultBlockParameterName.LATEST).send();
        String selector = Hash.sha3String("PayoutAlreadySettled(uint256)").substring(0, 10);
        assertThat(call.isReverted() || call.hasError()).as("eth_call reverts").isTrue();
        String revertData = call.hasError() ? String.valueOf(call.getError().getData()) + call.getError().getMessage()
                : call.getValue();
        assertThat(revertData.toLowerCase()).contains(selector.substring(2));
        // also with the first payout repeated alone (the replayed id of the 100-payout batch)
        assertThatThrownBy(() -> settler.settleBatch(BigInteger.valueOf(4), funder,
                List.of(new SettlementEscrow.Payout(BigInteger.ONE, payee, net, fee))).send())
                .isInstanceOf(TransactionException.class);
        // sent on-chain anyway: it is mined and reverts
        assertThatThrownBy(() -> settler.settleBatch(BigInteger.valueOf(3), funder, replay).send())
                .isInstanceOf(TransactionException.class);

        assertThat(settler.isPayoutSettled(BigInteger.valueOf(1002)).send()).isFalse();
        assertThat(settler.isBatchSettled(BigInteger.valueOf(3)).send()).isFalse();
        assertThat(settler.funderBalance(funder).send()).isEqualTo(before.subtract(net).subtract(fee));
        assertThat(token(accounts.deployer()).balanceOf(payee).send()).isEqualTo(net);
    }

    @Test
    @Order(4)
    void aRestartWithTheSameDataDirKeepsTheDeployment() throws Exception {
        String funder = accounts.funder().getAddress();
        BigInteger funderBalance = escrow(accounts.deployer()).funderBalance(funder).send();
        BigInteger blockBefore = web3j.ethBlockNumber().send().getBlockNumber();
        long oldPid = chain.pid();
        web3j.shutdown();
        chain.close();
        assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

        startChain();
        assertThat(web3j.ethBlockNumber().send().getBlockNumber()).isGreaterThanOrEqualTo(blockBefore);
        Deployment again = deployer().deployOrReuse(ContractDeployer.Roles.of(accounts), EscrowLimits.devDefaults());
        assertThat(again.reused()).isTrue();
        assertThat(again.escrow()).isEqualTo(deployment.escrow());
        assertThat(again.token()).isEqualTo(deployment.token());
        assertThat(again.genesisHash()).isEqualTo(deployment.genesisHash());
        SettlementEscrow escrow = escrow(accounts.deployer());
        assertThat(escrow.isPayoutSettled(BigInteger.valueOf(PAYOUTS)).send()).isTrue();
        assertThat(escrow.funderBalance(funder).send()).isEqualTo(funderBalance);
        assertThat(token(accounts.deployer()).balanceOf(payee(0)).send()).isEqualTo(UNIT);
        // and it still takes transactions (nonces carried over)
        assertThat(escrow(accounts.anchorer()).anchor(Hash.sha3("root-1".getBytes(StandardCharsets.UTF_8)),
                BigInteger.ONE).send().isStatusOK()).isTrue();
    }

    /**
     * A batch's gas as the settlement measures it ({@link CallGas}): one {@code eth_simulateV1} run, checked by a run at
     * its limit, on Anvil; {@code eth_estimateGas} on Ganache, which has no {@code eth_simulateV1}. Sent with exactly that
     * limit (no headroom), the batch is mined and succeeds, and the limit is within 3 % of the gas it used; measured
     * again once it is settled, it reverts.
     */
    @Test
    @Order(5)
    void aBatchSentWithItsMeasuredGasAndNoHeadroomSucceeds() throws Exception {
        String funder = accounts.funder().getAddress();
        List<SettlementEscrow.Payout> payouts = new ArrayList<>();
        for (int i = 0; i < PAYOUTS; i++) {
            // half to payees paid before, half to new ones: the mix a running service sends
            payouts.add(new SettlementEscrow.Payout(BigInteger.valueOf(5_000 + i), payee(i % 2 == 0 ? i : 20_000 + i), UNIT, BigInteger.TEN));
        }
        String data = FunctionEncoder.encode(new Function(SettlementEscrow.FUNC_SETTLEBATCH,
                List.of(new Uint256(5), new Address(funder), new DynamicArray<>(SettlementEscrow.Payout.class, payouts)), List.of()));
        String settler = accounts.settler().getAddress();
        CallGas gas = new CallGas(web3j, new HttpService(chain.rpcUrl()));

        CallGas.Outcome measured = gas.measure(settler, deployment.escrow(), data);
        assertThat(measured).isInstanceOf(CallGas.Used.class);
        CallGas.Used used = (CallGas.Used) measured;
        assertThat(used.method()).isEqualTo(kind() == DevChain.Kind.ANVIL ? "eth_simulateV1" : "eth_estimateGas");
        assertThat(gas.simulates()).isEqualTo(kind() == DevChain.Kind.ANVIL);

        Eip1559GasProvider fees = new Eip1559GasProvider(web3j, chain.chainId());
        BigInteger nonce = web3j.ethGetTransactionCount(settler, DefaultBlockParameterName.PENDING).send().getTransactionCount();
        RawTransaction raw = RawTransaction.createTransaction(chain.chainId(), nonce, BigInteger.valueOf(used.gas()), deployment.escrow(),
                BigInteger.ZERO, data, fees.getMaxPriorityFeePerGas(), fees.getMaxFeePerGas());
        String hash = web3j.ethSendRawTransaction(Numeric.toHexString(TransactionEncoder.signMessage(raw, accounts.settler())))
                .send().getTransactionHash();
        TransactionReceipt receipt = new org.web3j.tx.response.PollingTransactionReceiptProcessor(web3j, 100, 600)
                .waitForTransactionReceipt(hash);
        assertThat(receipt.isStatusOK()).as("mined with the measured limit %d: %s", used.gas(), receipt).isTrue();
        assertThat(used.gas()).isGreaterThanOrEqualTo(receipt.getGasUsed().longValueExact())
                .isLessThanOrEqualTo(receipt.getGasUsed().longValueExact() * 103 / 100);
        assertThat(escrow(accounts.deployer()).isBatchSettled(BigInteger.valueOf(5)).send()).isTrue();

        assertThat(gas.measure(settler, deployment.escrow(), data)).as("its payout ids are settled now")
                .isInstanceOf(CallGas.Reverted.class);
    }
}
