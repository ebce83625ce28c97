// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EscrowBase} from "./EscrowBase.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";

/// @dev Fuzz tests of settleBatch over amounts, batch sizes and ids (runs from foundry.toml, >= 1000).
contract SettlementEscrowFuzzTest is EscrowBase {
    function setUp() public override {
        super.setUp();
        _fund(funder, 10_000_000e6);
    }

    function testFuzz_settleBatch_amounts(uint256 net, uint256 fee, uint256 id, uint256 batchId) public {
        net = bound(net, 1, MAX_PAYOUT);
        fee = bound(fee, 0, MAX_PAYOUT - net);
        address payee = _payee(uint256(keccak256(abi.encode(id))) % 1000);
        uint256 before = escrow.availableBalance(funder);
        vm.prank(settler);
        escrow.settleBatch(batchId, funder, _one(id, payee, net, fee));
        assertEq(token.balanceOf(payee), net);
        assertEq(token.balanceOf(treasury), fee);
        assertEq(escrow.availableBalance(funder), before - net - fee);
        assertTrue(escrow.isPayoutSettled(id));
        assertTrue(escrow.isBatchSettled(batchId));
        assertEq(token.balanceOf(address(escrow)), escrow.funderBalance(funder));
    }

    function testFuzz_settleBatch_sizesAndIds(uint256 n, uint256 firstId, uint256 stride, uint256 seed) public {
        n = bound(n, 1, 80);
        stride = bound(stride, 1, 700);
        firstId = bound(firstId, 0, type(uint256).max - n * stride);
        SettlementEscrow.Payout[] memory ps = new SettlementEscrow.Payout[](n);
        uint256 totalNet;
        uint256 totalFee;
        for (uint256 i; i < n; i++) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 net = 1 + r % 500e6;
            uint256 fee = (r >> 128) % 1e6;
            ps[i] = _payout(firstId + i * stride, _payee(i), net, fee);
            totalNet += net;
            totalFee += fee;
        }
        vm.prank(settler);
        escrow.settleBatch(seed, funder, ps);
        for (uint256 i; i < n; i++) {
            assertTrue(escrow.isPayoutSettled(ps[i].payoutId));
            assertEq(token.balanceOf(_payee(i)), ps[i].netAmount);
        }
        assertEq(token.balanceOf(treasury), totalFee);
        assertEq(escrow.funderBalance(funder), 10_000_000e6 - totalNet - totalFee);
        assertEq(escrow.windowVolume(), totalNet + totalFee);
        // every id of the batch is now spent: any of them in a new batch reverts the whole batch
        uint256 k = seed % n;
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.PayoutAlreadySettled.selector, ps[k].payoutId));
        escrow.settleBatch(seed ^ 1, funder, _one(ps[k].payoutId, _payee(0), 1, 0));
    }

    function testFuzz_settleBatch_replayedIdRevertsWholeBatch(uint256 oldId, uint256 freshId, uint8 position)
        public
    {
        vm.assume(oldId != freshId);
        vm.prank(settler);
        escrow.settleBatch(1, funder, _one(oldId, _payee(0), 1e6, 0));
        SettlementEscrow.Payout[] memory ps = new SettlementEscrow.Payout[](3);
        uint256 pos = position % 3;
        for (uint256 i; i < 3; i++) {
            ps[i] = _payout(i == pos ? oldId : freshId ^ (i + 1) << 200, _payee(i + 1), 1e6, 1);
        }
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.PayoutAlreadySettled.selector, oldId));
        escrow.settleBatch(2, funder, ps);
        assertFalse(escrow.isBatchSettled(2));
        for (uint256 i; i < 3; i++) {
            if (i != pos) assertFalse(escrow.isPayoutSettled(ps[i].payoutId));
        }
    }

    function testFuzz_settleBatch_payoutCap(uint256 net, uint256 fee, uint256 cap) public {
        cap = bound(cap, 1, MAX_PAYOUT);
        net = bound(net, 1, 2 * MAX_PAYOUT);
        fee = bound(fee, 0, 2 * MAX_PAYOUT);
        vm.prank(admin);
        escrow.setLimits(cap, MAX_BATCH, WINDOW_CAP, WINDOW);
        vm.prank(settler);
        if (net + fee > cap) {
            vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.PayoutCapExceeded.selector, 7, net + fee, cap));
        }
        escrow.settleBatch(1, funder, _one(7, _payee(0), net, fee));
    }

    function testFuzz_settleBatch_batchAndWindowCaps(uint256 batchCap, uint256 windowCap, uint256 n, uint256 net)
        public
    {
        n = bound(n, 1, 20);
        net = bound(net, 1, MAX_PAYOUT);
        batchCap = bound(batchCap, 1, 20 * MAX_PAYOUT);
        windowCap = bound(windowCap, 1, 40 * MAX_PAYOUT);
        vm.prank(admin);
        escrow.setLimits(MAX_PAYOUT, batchCap, windowCap, WINDOW);
        SettlementEscrow.Payout[] memory ps = new SettlementEscrow.Payout[](n);
        for (uint256 i; i < n; i++) {
            ps[i] = _payout(i, _payee(i), net, 0);
        }
        uint256 total = n * net;
        vm.prank(settler);
        if (total > batchCap) {
            vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.BatchCapExceeded.selector, total, batchCap));
        } else if (total > windowCap) {
            vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WindowCapExceeded.selector, total, windowCap));
        }
        escrow.settleBatch(1, funder, ps);
        assertLe(escrow.windowVolume(), windowCap);
    }

    function testFuzz_settleBatch_drawsAvailableThenPending(uint256 requested, uint256 total) public {
        uint256 balance = 10_000_000e6;
        requested = bound(requested, 1, balance);
        total = bound(total, 1, MAX_PAYOUT);
        vm.prank(funder);
        escrow.requestWithdrawal(requested);
        uint256 available = balance - requested;
        vm.prank(settler);
        escrow.settleBatch(1, funder, _one(1, _payee(0), total, 0));
        (uint256 pending,) = escrow.pendingWithdrawal(funder);
        if (total <= available) {
            assertEq(escrow.availableBalance(funder), available - total);
            assertEq(pending, requested);
        } else {
            assertEq(escrow.availableBalance(funder), 0);
            assertEq(pending, requested - (total - available));
        }
        assertEq(token.balanceOf(address(escrow)), escrow.funderBalance(funder));
    }
}
