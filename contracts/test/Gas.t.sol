// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {console} from "forge-std/console.sol";
import {EscrowBase} from "./EscrowBase.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";

/// @dev Gas per payout of settleBatch versus separate ERC-20 transfers (see GAS.md).
/// Every measured call runs against cold state (vm.cool), as a call of its own transaction would.
/// Figures come from vm.lastCallGas(): gas used by the callee frame, before the refund.
/// Run: node scripts/forge.js test --match-contract GasTest -vv
contract GasTest is EscrowBase {
    uint256 internal constant EXISTING = 500;
    uint256 internal constant NET = 12_345_678; // 12.345678 TUSD
    uint256 internal constant FEE = 123_456;

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        escrow.setLimits(MAX_PAYOUT, type(uint128).max, type(uint128).max, WINDOW);
        _fund(funder, 1_000_000_000e6);
        vm.startPrank(admin);
        for (uint256 i; i < EXISTING; i++) {
            token.mint(_payee(i), 1);
        }
        token.mint(treasury, 1);
        token.mint(stranger, 1_000e6);
        vm.stopPrank();
        // settle one earlier batch so the funder's balance, the window slot and the
        // batch bitmap word are non-zero, as on a running system
        vm.prank(settler);
        escrow.settleBatch(0, funder, _one(999, treasury, 1, 0));
    }

    function _batch(uint256 n, bool existing) internal pure returns (SettlementEscrow.Payout[] memory ps) {
        ps = new SettlementEscrow.Payout[](n);
        for (uint256 i; i < n; i++) {
            address payee = existing ? _payee(i) : address(uint160(0x900000 + i));
            ps[i] = SettlementEscrow.Payout({payoutId: 1_000 + i, payee: payee, netAmount: NET, feeAmount: FEE});
        }
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; i++) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev Whole transaction: 21000 + calldata + execution - refund (capped at 1/5 of gas used).
    function _txGas(uint256 exec, int256 refund, bytes memory data) internal pure returns (uint256) {
        uint256 used = 21_000 + _calldataGas(data) + exec;
        uint256 r = refund > 0 ? uint256(refund) : 0;
        if (r > used / 5) r = used / 5;
        return used - r;
    }

    function _measure(uint256 n, bool existing) internal returns (uint256 execPer, uint256 txPer) {
        (execPer, txPer,) = _measureFrom(n, existing, 1_000, n);
    }

    function _measureFrom(uint256 n, bool existing, uint256 firstId, uint256 batchId)
        internal
        returns (uint256 execPer, uint256 txPer, uint256 exec)
    {
        SettlementEscrow.Payout[] memory ps = _batch(n, existing);
        for (uint256 i; i < n; i++) {
            ps[i].payoutId = firstId + i;
            if (!existing) ps[i].payee = address(uint160(0x900000 + firstId + i)); // never held tokens
        }
        bytes memory data = abi.encodeCall(SettlementEscrow.settleBatch, (batchId, funder, ps));
        vm.cool(address(token));
        vm.cool(address(escrow));
        vm.prank(settler);
        escrow.settleBatch(batchId, funder, ps);
        Vm.Gas memory g = vm.lastCallGas();
        exec = g.gasTotalUsed;
        uint256 txGas = _txGas(g.gasTotalUsed, g.gasRefunded, data);
        execPer = g.gasTotalUsed / n;
        txPer = txGas / n;
        console.log(existing ? "existing" : "new", n);
        console.log("  exec total / per payout", g.gasTotalUsed, execPer);
        console.log("  calldata gas / refund", _calldataGas(data), uint256(int256(g.gasRefunded)));
        console.log("  tx total / per payout", txGas, txPer);
    }

    function _transfer(address to) internal returns (uint256 exec, uint256 txGas) {
        bytes memory data = abi.encodeWithSignature("transfer(address,uint256)", to, NET);
        vm.cool(address(token));
        vm.prank(stranger);
        token.transfer(to, NET);
        Vm.Gas memory g = vm.lastCallGas();
        exec = g.gasTotalUsed;
        txGas = _txGas(exec, g.gasRefunded, data);
        console.log("  exec / tx", exec, txGas);
    }

    function test_gas_transfer_newHolder() public {
        console.log("ERC-20 transfer, new holder");
        (, uint256 txGas) = _transfer(address(0xBEEF01));
        assertLt(txGas, 60_000);
    }

    function test_gas_transfer_existingHolder() public {
        console.log("ERC-20 transfer, existing holder");
        (, uint256 txGas) = _transfer(_payee(0));
        assertLt(txGas, 40_000);
    }

    function test_gas_batch1_new() public {
        _measure(1, false);
    }

    function test_gas_batch10_new() public {
        _measure(10, false);
    }

    function test_gas_batch100_new() public {
        _measure(100, false);
    }

    function test_gas_batch500_new() public {
        (uint256 execPer,) = _measure(500, false);
        assertLe(execPer, 28_500);
    }

    function test_gas_batch1_existing() public {
        _measure(1, true);
    }

    function test_gas_batch10_existing() public {
        _measure(10, true);
    }

    function test_gas_batch100_existing() public {
        (, uint256 txPer) = _measure(100, true);
        // under half of a separate transfer transaction to an existing holder
        (, uint256 separate) = _transfer(_payee(499));
        assertLt(txPer * 2, separate);
    }

    function test_gas_batch500_existing() public {
        (uint256 execPer,) = _measure(500, true);
        assertLe(execPer, 11_500);
    }

    /// @dev Marginal gas of one more payout: (exec(500) - exec(100)) / 400, fresh ids in both.
    function _marginal(bool existing) internal returns (uint256 m) {
        (,, uint256 e100) = _measureFrom(100, existing, 1_000, 100);
        (,, uint256 e500) = _measureFrom(500, existing, 2_048, 500);
        m = (e500 - e100) / 400;
        console.log("  marginal exec per payout", m);
    }

    function test_gas_marginal_new() public {
        assertLe(_marginal(false), 28_500);
    }

    function test_gas_marginal_existing() public {
        assertLe(_marginal(true), 11_500);
    }

    /// @dev EIP-7825: a transaction may use at most 2**24 gas.
    uint256 internal constant TX_GAS_CAP = 16_777_216;

    /// @dev Gas a transaction needs before its refund (what its gas limit must cover): 21,000 +
    /// calldata + execution. Ids continue densely from `firstId`, payees never held the token.
    function _txGasBeforeRefund(uint256 n, uint256 firstId, uint256 batchId) internal returns (uint256) {
        SettlementEscrow.Payout[] memory ps = _batch(n, false);
        for (uint256 i; i < n; i++) {
            ps[i].payoutId = firstId + i;
            ps[i].payee = address(uint160(0x900000 + firstId + i));
        }
        bytes memory data = abi.encodeCall(SettlementEscrow.settleBatch, (batchId, funder, ps));
        vm.cool(address(token));
        vm.cool(address(escrow));
        vm.prank(settler);
        escrow.settleBatch(batchId, funder, ps);
        return 21_000 + _calldataGas(data) + vm.lastCallGas().gasTotalUsed;
    }

    /// @dev The largest batch of new payees whose transaction fits under the EIP-7825 cap: a linear
    /// estimate from 100 and 500 payouts, then measured (n fits, n + 1 does not), each batch
    /// continuing the dense ids of the one before, as the service assigns them.
    function test_gas_largestBatchUnderTxCap_new() public {
        uint256 id = 1_000;
        uint256 g100 = _txGasBeforeRefund(100, id, 100);
        id += 100;
        uint256 g500 = _txGasBeforeRefund(500, id, 101);
        id += 500;
        uint256 perPayout = (g500 - g100) / 400;
        uint256 n = 500 + (TX_GAS_CAP - g500) / perPayout;
        uint256 batchId = 102;
        uint256 g = _txGasBeforeRefund(n, id, batchId++);
        id += n;
        while (g > TX_GAS_CAP) {
            n--;
            g = _txGasBeforeRefund(n, id, batchId++);
            id += n;
        }
        uint256 next = _txGasBeforeRefund(n + 1, id, batchId++);
        id += n + 1;
        while (next <= TX_GAS_CAP) {
            n++;
            g = next;
            next = _txGasBeforeRefund(n + 1, id, batchId++);
            id += n + 1;
        }
        console.log("largest batch of new payees under 16,777,216 gas", n);
        console.log("  tx gas of n / of n + 1", g, next);
        assertGe(n, 500);
        assertLe(g, TX_GAS_CAP);
        assertGt(next, TX_GAS_CAP);
    }
}
