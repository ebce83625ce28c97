// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BatchPrediction} from "./BatchPrediction.sol";
import {EscrowBase} from "./EscrowBase.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";

/// @dev Fuzz tests (runs from foundry.toml, >= 1000): settleBatch over amounts, batch sizes and ids;
/// SafeCast on every narrowing; the withdrawal delay's bounds; the two-step admin transfer; and the
/// views a caller uses to predict whether a planned batch settles.
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

    // ------------------------------------------------------------ SafeCast

    function _downcast(uint8 bits, uint256 value) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, bits, value);
    }

    /// @dev Half of the runs get a value that fits in `bits`, the others a raw 256-bit one.
    function _maybeFits(uint256 value, uint256 seed, uint256 bit, uint8 bits) internal pure returns (uint256) {
        return (seed >> bit) & 1 == 0 ? value % (uint256(1) << bits) : value;
    }

    function testFuzz_requestWithdrawal_pendingNeverWraps(uint256 first, uint256 second) public {
        uint256 limit = type(uint192).max;
        first = bound(first, 1, limit);
        second = bound(second, 1, 2 * limit);
        _fund(funder, first + second);
        uint256 balance = escrow.funderBalance(funder);
        vm.prank(funder);
        escrow.requestWithdrawal(first);
        vm.prank(funder);
        if (first + second > limit) {
            vm.expectRevert(_downcast(192, first + second));
            escrow.requestWithdrawal(second);
            (uint256 pending,) = escrow.pendingWithdrawal(funder);
            assertEq(pending, first);
        } else {
            escrow.requestWithdrawal(second);
            (uint256 pending,) = escrow.pendingWithdrawal(funder);
            assertEq(pending, first + second);
        }
        assertEq(escrow.funderBalance(funder), balance);
        assertEq(token.balanceOf(address(escrow)), balance);
    }

    function testFuzz_setLimits_safeCastOrStoredExactly(uint256 a, uint256 b, uint256 c, uint256 d, uint256 seed)
        public
    {
        a = _maybeFits(a, seed, 0, 128);
        b = _maybeFits(b, seed, 1, 128);
        c = _maybeFits(c, seed, 2, 128);
        d = _maybeFits(d, seed, 3, 64);
        vm.prank(admin);
        if (d == 0) vm.expectRevert(SettlementEscrow.InvalidLimits.selector);
        else if (a > type(uint128).max) vm.expectRevert(_downcast(128, a));
        else if (b > type(uint128).max) vm.expectRevert(_downcast(128, b));
        else if (c > type(uint128).max) vm.expectRevert(_downcast(128, c));
        else if (d > type(uint64).max) vm.expectRevert(_downcast(64, d));
        escrow.setLimits(a, b, c, d);
        bool stored = d != 0 && a <= type(uint128).max && b <= type(uint128).max && c <= type(uint128).max
            && d <= type(uint64).max;
        assertEq(escrow.maxPayoutAmount(), stored ? a : MAX_PAYOUT);
        assertEq(escrow.maxBatchAmount(), stored ? b : MAX_BATCH);
        assertEq(escrow.windowCapAmount(), stored ? c : WINDOW_CAP);
        assertEq(escrow.windowDurationSeconds(), stored ? d : WINDOW);
    }

    // ------------------------------------------------------------ withdrawal delay bounds

    function testFuzz_withdrawalDelay_onlyWithinBounds(uint256 delay, bool small) public {
        if (small) delay = bound(delay, 0, 40 days);
        uint256 min = escrow.MIN_WITHDRAWAL_DELAY();
        uint256 max = escrow.MAX_WITHDRAWAL_DELAY();
        bytes memory err;
        if (delay < min) err = abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooShort.selector, delay, min);
        else if (delay > max) err = abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooLong.selector, delay, max);
        vm.prank(admin);
        if (err.length != 0) vm.expectRevert(err);
        escrow.setWithdrawalDelay(delay);
        assertEq(escrow.withdrawalDelay(), err.length == 0 ? delay : DELAY);
        if (err.length != 0) vm.expectRevert(err);
        SettlementEscrow e = new SettlementEscrow(address(token), admin, 0, treasury, delay, 1, 1, 1, 1);
        if (err.length == 0) assertEq(e.withdrawalDelay(), delay);
    }

    function testFuzz_withdraw_notBeforeTheNoticePeriod(uint256 delay, uint256 wait) public {
        delay = bound(delay, escrow.MIN_WITHDRAWAL_DELAY(), escrow.MAX_WITHDRAWAL_DELAY());
        wait = bound(wait, 0, 2 * delay);
        vm.prank(admin);
        escrow.setWithdrawalDelay(delay);
        vm.prank(funder);
        escrow.requestWithdrawal(5e6);
        uint256 readyAt = block.timestamp + delay;
        vm.warp(block.timestamp + wait);
        vm.prank(funder);
        if (wait < delay) {
            vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalNotReady.selector, readyAt, block.timestamp));
        }
        escrow.withdraw();
        assertEq(token.balanceOf(funder), wait < delay ? 0 : 5e6);
    }

    // ------------------------------------------------------------ default admin transfer

    function testFuzz_adminTransfer_acceptedOnlyAfterTheDelay(uint256 adminDelay, uint256 wait, bool cancel) public {
        adminDelay = bound(adminDelay, 0, escrow.MAX_ADMIN_DELAY());
        wait = bound(wait, 0, 2 * adminDelay + 2);
        SettlementEscrow e =
            new SettlementEscrow(address(token), admin, adminDelay, treasury, DELAY, 1, 1, 1, 1);
        address newAdmin = makeAddr("newAdmin");
        vm.prank(admin);
        e.beginDefaultAdminTransfer(newAdmin);
        uint256 schedule = block.timestamp + adminDelay;
        vm.warp(block.timestamp + wait);
        if (cancel) {
            vm.prank(admin);
            e.cancelDefaultAdminTransfer();
        }
        bool accepted = !cancel && wait > adminDelay;
        vm.prank(newAdmin);
        if (cancel) {
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, newAdmin)
            );
        } else if (!accepted) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule
                )
            );
        }
        e.acceptDefaultAdminTransfer();
        address expected = accepted ? newAdmin : admin;
        assertEq(e.defaultAdmin(), expected);
        assertTrue(e.hasRole(e.DEFAULT_ADMIN_ROLE(), expected));
        assertFalse(e.hasRole(e.DEFAULT_ADMIN_ROLE(), accepted ? admin : newAdmin));
    }

    // ------------------------------------------------------------ views predict settleBatch

    function _randomBatch(uint256 seed, uint256 n, uint256 firstId, uint256 maxPayout)
        internal
        pure
        returns (SettlementEscrow.Payout[] memory ps)
    {
        ps = new SettlementEscrow.Payout[](n);
        for (uint256 i; i < n; i++) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            // gross mostly under the cap, now and then just over it
            uint256 net = 1 + r % (maxPayout + maxPayout / 50 + 1);
            uint256 fee = (r >> 128) % (maxPayout / 100 + 1);
            ps[i] = _payout(firstId + (r >> 64) % (4 * n), _payee(i), net, fee);
        }
    }

    function testFuzz_views_predictWhetherABatchSettles(
        uint256 seed,
        uint256 maxPayout,
        uint256 batchCap,
        uint256 windowCap,
        uint256 wait
    ) public {
        maxPayout = bound(maxPayout, 100, 1_000e6);
        batchCap = bound(batchCap, 1, 15 * maxPayout);
        windowCap = bound(windowCap, 1, 30 * maxPayout);
        vm.startPrank(admin);
        escrow.setLimits(maxPayout, batchCap, windowCap, WINDOW);
        vm.stopPrank();
        if (seed % 5 == 0) {
            // leave the funder short
            uint256 keep = (seed >> 8) % (10 * maxPayout);
            uint256 available = escrow.availableBalance(funder);
            vm.prank(funder);
            escrow.requestWithdrawal(available);
            vm.warp(block.timestamp + DELAY);
            vm.prank(funder);
            escrow.withdraw();
            if (keep != 0) _fund(funder, keep);
        }
        if (seed % 7 == 0) {
            vm.prank(pauser);
            escrow.pause();
        }
        // two batches, a random wait between them: the second sees what the first left of the window
        for (uint256 k; k < 2; k++) {
            uint256 n = 1 + (seed >> (16 + 8 * k)) % 15;
            SettlementEscrow.Payout[] memory ps = _randomBatch(seed ^ k, n, 10 * k, maxPayout);
            uint256 batchId = (seed >> 100) % 3; // sometimes reused
            bytes4 expected = BatchPrediction.predict(escrow, batchId, funder, ps);
            uint256 remainingBefore = escrow.windowRemaining();
            vm.prank(settler);
            try escrow.settleBatch(batchId, funder, ps) {
                assertEq(expected, bytes4(0), "settled although the views said it would revert");
                assertEq(escrow.windowRemaining(), remainingBefore - _gross(ps));
            } catch (bytes memory reason) {
                assertEq(bytes4(reason), expected, "reverted otherwise than the views said");
                assertTrue(expected != bytes4(0), "reverted although the views said it would settle");
            }
            vm.warp(block.timestamp + bound(wait >> (128 * k), 0, 2 * WINDOW));
        }
    }
}
