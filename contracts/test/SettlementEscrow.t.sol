// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EscrowBase} from "./EscrowBase.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";
import {TestStablecoin} from "../src/TestStablecoin.sol";

contract SettlementEscrowTest is EscrowBase {
    function _unauthorized(address who, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, role);
    }

    function _settle(uint256 batchId, SettlementEscrow.Payout[] memory ps) internal {
        vm.prank(settler);
        escrow.settleBatch(batchId, funder, ps);
    }

    function _two(uint256 id0, uint256 id1) internal pure returns (SettlementEscrow.Payout[] memory ps) {
        ps = new SettlementEscrow.Payout[](2);
        ps[0] = _payout(id0, _payee(0), 10e6, 1e6);
        ps[1] = _payout(id1, _payee(1), 20e6, 2e6);
    }

    // ------------------------------------------------------------ constructor and views

    function _deploy(uint256 adminDelay, uint256 withdrawalDelay, uint256 cap, uint256 window)
        internal
        returns (SettlementEscrow)
    {
        return new SettlementEscrow(address(token), admin, adminDelay, treasury, withdrawalDelay, cap, cap, cap, window);
    }

    function _downcast(uint8 bits, uint256 value) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, bits, value);
    }

    function test_constructor_setsState() public view {
        assertEq(escrow.token(), address(token));
        assertEq(escrow.treasury(), treasury);
        assertEq(escrow.withdrawalDelay(), DELAY);
        assertEq(escrow.maxPayoutAmount(), MAX_PAYOUT);
        assertEq(escrow.maxBatchAmount(), MAX_BATCH);
        assertEq(escrow.windowCapAmount(), WINDOW_CAP);
        assertEq(escrow.windowDurationSeconds(), WINDOW);
        assertEq(escrow.windowStart(), 0);
        assertEq(escrow.windowVolume(), 0);
        assertEq(escrow.lastAnchoredSeq(), 0);
        assertTrue(escrow.hasRole(escrow.DEFAULT_ADMIN_ROLE(), admin));
        assertEq(escrow.defaultAdmin(), admin);
        assertEq(escrow.owner(), admin);
        assertEq(escrow.defaultAdminDelay(), ADMIN_DELAY);
        assertEq(escrow.SETTLER_ROLE(), keccak256("SETTLER_ROLE"));
        assertEq(escrow.PAUSER_ROLE(), keccak256("PAUSER_ROLE"));
        assertEq(escrow.ANCHOR_ROLE(), keccak256("ANCHOR_ROLE"));
        assertEq(escrow.MAX_BATCH_PAYOUTS(), 1000);
        assertEq(escrow.MIN_WITHDRAWAL_DELAY(), 1 hours);
        assertEq(escrow.MAX_WITHDRAWAL_DELAY(), 30 days);
        assertEq(escrow.MAX_ADMIN_DELAY(), 30 days);
    }

    function test_constructor_adminGetsOnlyDefaultAdmin() public {
        SettlementEscrow e = _deploy(0, 1 hours, 1, 1);
        assertTrue(e.hasRole(e.DEFAULT_ADMIN_ROLE(), admin));
        assertFalse(e.hasRole(e.SETTLER_ROLE(), admin));
        assertFalse(e.hasRole(e.PAUSER_ROLE(), admin));
        assertFalse(e.hasRole(e.ANCHOR_ROLE(), admin));
        assertFalse(e.hasRole(e.DEFAULT_ADMIN_ROLE(), address(this)));
        assertEq(e.defaultAdminDelay(), 0);
    }

    function test_constructor_revertsZeroToken() public {
        vm.expectRevert(SettlementEscrow.ZeroAddress.selector);
        new SettlementEscrow(address(0), admin, 0, treasury, 1 hours, 1, 1, 1, 1);
    }

    function test_constructor_revertsZeroAdmin() public {
        vm.expectRevert(_invalidAdmin(address(0)));
        new SettlementEscrow(address(token), address(0), 0, treasury, 1 hours, 1, 1, 1, 1);
    }

    function test_constructor_revertsZeroTreasury() public {
        vm.expectRevert(SettlementEscrow.ZeroAddress.selector);
        new SettlementEscrow(address(token), admin, 0, address(0), 1 hours, 1, 1, 1, 1);
    }

    function test_constructor_withdrawalDelayBoundaries() public {
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooShort.selector, 0, 1 hours));
        _deploy(0, 0, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooShort.selector, 1 hours - 1, 1 hours));
        _deploy(0, 1 hours - 1, 1, 1);
        assertEq(_deploy(0, 1 hours, 1, 1).withdrawalDelay(), 1 hours);
        assertEq(_deploy(0, 30 days, 1, 1).withdrawalDelay(), 30 days);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooLong.selector, 30 days + 1, 30 days));
        _deploy(0, 30 days + 1, 1, 1);
    }

    function test_constructor_adminDelayBoundaries() public {
        assertEq(_deploy(30 days, 1 hours, 1, 1).defaultAdminDelay(), 30 days);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.AdminDelayTooLong.selector, 30 days + 1, 30 days));
        _deploy(30 days + 1, 1 hours, 1, 1);
        // beyond 48 bits SafeCast refuses it before the range check
        vm.expectRevert(_downcast(48, 1 << 48));
        _deploy(1 << 48, 1 hours, 1, 1);
    }

    function test_constructor_revertsInvalidLimits() public {
        vm.expectRevert(SettlementEscrow.InvalidLimits.selector);
        _deploy(0, 1 hours, 1, 0);
    }

    function test_constructor_revertsSafeCastOnLimits() public {
        uint256 big = uint256(type(uint128).max) + 1;
        vm.expectRevert(_downcast(128, big));
        _deploy(0, 1 hours, big, 1);
        vm.expectRevert(_downcast(64, 1 << 64));
        _deploy(0, 1 hours, 1, 1 << 64);
    }

    // ------------------------------------------------------------ deposit

    function test_deposit() public {
        vm.prank(admin);
        token.mint(funder, 50e6);
        vm.startPrank(funder);
        token.approve(address(escrow), 50e6);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.Deposited(funder, funder, 50e6);
        escrow.deposit(50e6);
        vm.stopPrank();
        assertEq(escrow.availableBalance(funder), 50e6);
        assertEq(escrow.funderBalance(funder), 50e6);
        assertEq(token.balanceOf(address(escrow)), 50e6);
    }

    function test_deposit_revertsZero() public {
        vm.prank(funder);
        vm.expectRevert(SettlementEscrow.ZeroAmount.selector);
        escrow.deposit(0);
    }

    function test_deposit_revertsWithoutAllowance() public {
        vm.prank(admin);
        token.mint(funder, 5);
        vm.prank(funder);
        vm.expectRevert();
        escrow.deposit(5);
    }

    function test_deposit_revertsWhenPaused() public {
        vm.prank(pauser);
        escrow.pause();
        vm.prank(funder);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        escrow.deposit(1);
    }

    function test_depositFor() public {
        vm.prank(admin);
        token.mint(stranger, 7e6);
        vm.startPrank(stranger);
        token.approve(address(escrow), 7e6);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.Deposited(funder, stranger, 7e6);
        escrow.depositFor(funder, 7e6);
        vm.stopPrank();
        assertEq(escrow.availableBalance(funder), 7e6);
        assertEq(escrow.availableBalance(stranger), 0);
    }

    function test_depositFor_revertsZeroFunder() public {
        vm.prank(stranger);
        vm.expectRevert(SettlementEscrow.ZeroAddress.selector);
        escrow.depositFor(address(0), 1);
    }

    function test_depositFor_revertsZeroAmount() public {
        vm.prank(stranger);
        vm.expectRevert(SettlementEscrow.ZeroAmount.selector);
        escrow.depositFor(funder, 0);
    }

    function test_depositFor_revertsWhenPaused() public {
        vm.prank(pauser);
        escrow.pause();
        vm.prank(stranger);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        escrow.depositFor(funder, 1);
    }

    // ------------------------------------------------------------ withdrawals

    function test_requestWithdrawal() public {
        _fund(funder, 100e6);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.WithdrawalRequested(funder, 40e6, block.timestamp + DELAY);
        vm.prank(funder);
        escrow.requestWithdrawal(40e6);
        (uint256 amount, uint256 readyAt) = escrow.pendingWithdrawal(funder);
        assertEq(amount, 40e6);
        assertEq(readyAt, block.timestamp + DELAY);
        assertEq(escrow.availableBalance(funder), 60e6);
        assertEq(escrow.funderBalance(funder), 100e6);
    }

    function test_requestWithdrawal_addsAndRestartsClock() public {
        _fund(funder, 100e6);
        vm.prank(funder);
        escrow.requestWithdrawal(10e6);
        vm.warp(block.timestamp + 100);
        vm.prank(funder);
        escrow.requestWithdrawal(5e6);
        (uint256 amount, uint256 readyAt) = escrow.pendingWithdrawal(funder);
        assertEq(amount, 15e6);
        assertEq(readyAt, block.timestamp + DELAY);
    }

    function test_requestWithdrawal_revertsZero() public {
        vm.prank(funder);
        vm.expectRevert(SettlementEscrow.ZeroAmount.selector);
        escrow.requestWithdrawal(0);
    }

    function test_requestWithdrawal_revertsOverAvailable() public {
        _fund(funder, 10);
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.InsufficientAvailableBalance.selector, funder, 10, 11));
        escrow.requestWithdrawal(11);
    }

    function test_requestWithdrawal_revertsSafeCastInsteadOfWrapping() public {
        uint256 limit = type(uint192).max;
        _fund(funder, limit + 10);
        // one request past 192 bits
        vm.prank(funder);
        vm.expectRevert(_downcast(192, limit + 1));
        escrow.requestWithdrawal(limit + 1);
        // filling the pending amount to the last value that fits works...
        vm.prank(funder);
        escrow.requestWithdrawal(limit);
        (uint256 pending,) = escrow.pendingWithdrawal(funder);
        assertEq(pending, limit);
        // ...one more unit does not wrap it to 0
        vm.prank(funder);
        vm.expectRevert(_downcast(192, limit + 1));
        escrow.requestWithdrawal(1);
        (pending,) = escrow.pendingWithdrawal(funder);
        assertEq(pending, limit);
        assertEq(escrow.availableBalance(funder), 10);
        assertEq(escrow.funderBalance(funder), limit + 10);
        assertEq(token.balanceOf(address(escrow)), limit + 10);
    }

    function test_withdraw() public {
        _fund(funder, 100e6);
        vm.prank(funder);
        escrow.requestWithdrawal(40e6);
        vm.warp(block.timestamp + DELAY);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.Withdrawn(funder, 40e6);
        vm.prank(funder);
        escrow.withdraw();
        assertEq(token.balanceOf(funder), 40e6);
        (uint256 amount,) = escrow.pendingWithdrawal(funder);
        assertEq(amount, 0);
        assertEq(escrow.funderBalance(funder), 60e6);
    }

    function test_withdraw_revertsBeforeDelay() public {
        _fund(funder, 100e6);
        vm.prank(funder);
        escrow.requestWithdrawal(40e6);
        uint256 readyAt = block.timestamp + DELAY;
        vm.warp(readyAt - 1);
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalNotReady.selector, readyAt, readyAt - 1));
        escrow.withdraw();
    }

    function test_withdraw_revertsNothingPending() public {
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.NoPendingWithdrawal.selector, funder));
        escrow.withdraw();
    }

    function test_withdraw_worksWhenPaused() public {
        _fund(funder, 100e6);
        vm.prank(funder);
        escrow.requestWithdrawal(100e6);
        vm.prank(pauser);
        escrow.pause();
        vm.warp(block.timestamp + DELAY);
        vm.prank(funder);
        escrow.withdraw();
        assertEq(token.balanceOf(funder), 100e6);
    }

    function test_cancelWithdrawal() public {
        _fund(funder, 100e6);
        vm.prank(funder);
        escrow.requestWithdrawal(30e6);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.WithdrawalCancelled(funder, 30e6);
        vm.prank(funder);
        escrow.cancelWithdrawal();
        assertEq(escrow.availableBalance(funder), 100e6);
        (uint256 amount, uint256 readyAt) = escrow.pendingWithdrawal(funder);
        assertEq(amount, 0);
        assertEq(readyAt, 0);
    }

    function test_cancelWithdrawal_revertsNothingPending() public {
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.NoPendingWithdrawal.selector, funder));
        escrow.cancelWithdrawal();
    }

    // ------------------------------------------------------------ settleBatch

    function test_settleBatch_paysAndEmits() public {
        _fund(funder, 100e6);
        SettlementEscrow.Payout[] memory ps = _two(5, 300);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.PayoutSettled(5, 9, _payee(0), 10e6, 1e6);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.PayoutSettled(300, 9, _payee(1), 20e6, 2e6);
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.BatchSettled(9, funder, 2, 30e6, 3e6);
        _settle(9, ps);
        assertEq(token.balanceOf(_payee(0)), 10e6);
        assertEq(token.balanceOf(_payee(1)), 20e6);
        assertEq(token.balanceOf(treasury), 3e6);
        assertEq(escrow.availableBalance(funder), 67e6);
        assertTrue(escrow.isPayoutSettled(5));
        assertTrue(escrow.isPayoutSettled(300));
        assertFalse(escrow.isPayoutSettled(6));
        assertTrue(escrow.isBatchSettled(9));
        assertFalse(escrow.isBatchSettled(8));
        assertEq(escrow.windowStart(), block.timestamp);
        assertEq(escrow.windowVolume(), 33e6);
    }

    function test_settleBatch_zeroFeeSkipsTreasury() public {
        _fund(funder, 100e6);
        _settle(1, _one(1, _payee(0), 10e6, 0));
        assertEq(token.balanceOf(treasury), 0);
        assertEq(token.balanceOf(_payee(0)), 10e6);
    }

    function test_settleBatch_drawsPendingAfterAvailable() public {
        _fund(funder, 100e6);
        vm.prank(funder);
        escrow.requestWithdrawal(95e6);
        _settle(1, _one(1, _payee(0), 9e6, 1e6));
        assertEq(escrow.availableBalance(funder), 0);
        (uint256 amount,) = escrow.pendingWithdrawal(funder);
        assertEq(amount, 90e6);
        assertEq(escrow.funderBalance(funder), 90e6);
    }

    function test_settleBatch_drawsPendingWhenAvailableZero() public {
        _fund(funder, 100e6);
        vm.prank(funder);
        escrow.requestWithdrawal(100e6);
        _settle(1, _one(1, _payee(0), 9e6, 1e6));
        (uint256 amount,) = escrow.pendingWithdrawal(funder);
        assertEq(amount, 90e6);
    }

    function test_settleBatch_revertsInsufficientFunderBalance() public {
        _fund(funder, 10e6);
        vm.prank(settler);
        vm.expectRevert(
            abi.encodeWithSelector(SettlementEscrow.InsufficientFunderBalance.selector, funder, 10e6, 10e6 + 1)
        );
        escrow.settleBatch(1, funder, _one(1, _payee(0), 10e6, 1));
    }

    function test_settleBatch_revertsWithoutRole() public {
        _fund(funder, 10e6);
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, keccak256("SETTLER_ROLE")));
        escrow.settleBatch(1, funder, _one(1, _payee(0), 1, 0));
    }

    function test_settleBatch_revertsWhenPaused() public {
        _fund(funder, 10e6);
        vm.prank(pauser);
        escrow.pause();
        vm.prank(settler);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        escrow.settleBatch(1, funder, _one(1, _payee(0), 1, 0));
    }

    function test_settleBatch_revertsEmpty() public {
        vm.prank(settler);
        vm.expectRevert(SettlementEscrow.EmptyBatch.selector);
        escrow.settleBatch(1, funder, new SettlementEscrow.Payout[](0));
    }

    function test_settleBatch_revertsTooLarge() public {
        SettlementEscrow.Payout[] memory ps = new SettlementEscrow.Payout[](1001);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.BatchTooLarge.selector, 1001, 1000));
        escrow.settleBatch(1, funder, ps);
    }

    function test_settleBatch_revertsBatchReused() public {
        _fund(funder, 100e6);
        _settle(4, _one(1, _payee(0), 1e6, 0));
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.BatchAlreadySettled.selector, 4));
        escrow.settleBatch(4, funder, _one(2, _payee(0), 1e6, 0));
    }

    function test_settleBatch_revertsPayoutSettledBefore() public {
        _fund(funder, 100e6);
        _settle(1, _one(77, _payee(0), 1e6, 0));
        SettlementEscrow.Payout[] memory ps = _two(78, 77);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.PayoutAlreadySettled.selector, 77));
        escrow.settleBatch(2, funder, ps);
        // the whole batch reverted: 78 is not settled, batch 2 is free
        assertFalse(escrow.isPayoutSettled(78));
        assertFalse(escrow.isBatchSettled(2));
    }

    function test_settleBatch_revertsDuplicateInBatch() public {
        _fund(funder, 100e6);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.PayoutAlreadySettled.selector, 3));
        escrow.settleBatch(1, funder, _two(3, 3));
    }

    function test_settleBatch_revertsDuplicateAcrossWordSwitch() public {
        _fund(funder, 100e6);
        SettlementEscrow.Payout[] memory ps = new SettlementEscrow.Payout[](3);
        ps[0] = _payout(1, _payee(0), 1e6, 0);
        ps[1] = _payout(1000, _payee(1), 1e6, 0);
        ps[2] = _payout(1, _payee(2), 1e6, 0);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.PayoutAlreadySettled.selector, 1));
        escrow.settleBatch(1, funder, ps);
    }

    function test_settleBatch_alternatingWords() public {
        _fund(funder, 100e6);
        SettlementEscrow.Payout[] memory ps = new SettlementEscrow.Payout[](4);
        ps[0] = _payout(1, _payee(0), 1e6, 0);
        ps[1] = _payout(1000, _payee(1), 1e6, 0);
        ps[2] = _payout(2, _payee(2), 1e6, 0);
        ps[3] = _payout(1001, _payee(3), 1e6, 0);
        _settle(1, ps);
        assertTrue(escrow.isPayoutSettled(1));
        assertTrue(escrow.isPayoutSettled(2));
        assertTrue(escrow.isPayoutSettled(1000));
        assertTrue(escrow.isPayoutSettled(1001));
        assertFalse(escrow.isPayoutSettled(3));
    }

    function test_settleBatch_revertsZeroPayee() public {
        _fund(funder, 100e6);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.InvalidPayee.selector, 1, address(0)));
        escrow.settleBatch(1, funder, _one(1, address(0), 1e6, 0));
    }

    function test_settleBatch_revertsEscrowAsPayee() public {
        _fund(funder, 100e6);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.InvalidPayee.selector, 1, address(escrow)));
        escrow.settleBatch(1, funder, _one(1, address(escrow), 1e6, 0));
    }

    function test_settleBatch_revertsZeroNet() public {
        _fund(funder, 100e6);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.ZeroPayout.selector, 1));
        escrow.settleBatch(1, funder, _one(1, _payee(0), 0, 5));
    }

    function test_settleBatch_revertsPayoutCap() public {
        _fund(funder, 10_000e6);
        vm.prank(settler);
        vm.expectRevert(
            abi.encodeWithSelector(SettlementEscrow.PayoutCapExceeded.selector, 1, MAX_PAYOUT + 1, MAX_PAYOUT)
        );
        escrow.settleBatch(1, funder, _one(1, _payee(0), MAX_PAYOUT, 1));
    }

    function test_settleBatch_revertsPayoutCapOnOverflow() public {
        vm.prank(settler);
        vm.expectRevert(
            abi.encodeWithSelector(SettlementEscrow.PayoutCapExceeded.selector, 1, type(uint256).max, MAX_PAYOUT)
        );
        escrow.settleBatch(1, funder, _one(1, _payee(0), type(uint256).max, 1));
    }

    function test_settleBatch_payoutAtCap() public {
        _fund(funder, 10_000e6);
        _settle(1, _one(1, _payee(0), MAX_PAYOUT - 1, 1));
        assertEq(token.balanceOf(_payee(0)), MAX_PAYOUT - 1);
    }

    function test_settleBatch_revertsBatchCap() public {
        vm.prank(admin);
        escrow.setLimits(MAX_PAYOUT, 25e6, WINDOW_CAP, WINDOW);
        _fund(funder, 100e6);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.BatchCapExceeded.selector, 33e6, 25e6));
        escrow.settleBatch(1, funder, _two(1, 2));
    }

    function test_settleBatch_revertsWindowCapAndResets() public {
        vm.prank(admin);
        escrow.setLimits(MAX_PAYOUT, MAX_BATCH, 50e6, WINDOW);
        _fund(funder, 1_000e6);
        _settle(1, _two(1, 2)); // 33e6
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WindowCapExceeded.selector, 66e6, 50e6));
        escrow.settleBatch(2, funder, _two(3, 4));
        vm.warp(block.timestamp + WINDOW - 1);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WindowCapExceeded.selector, 66e6, 50e6));
        escrow.settleBatch(2, funder, _two(3, 4));
        vm.warp(block.timestamp + 1);
        assertEq(escrow.windowVolume(), 0);
        _settle(2, _two(3, 4));
        assertEq(escrow.windowVolume(), 33e6);
        assertEq(escrow.windowStart(), block.timestamp);
    }

    function test_settleBatch_revertsWhenTokenTransferFails() public {
        // a failing token transfer (escrow short of tokens) reverts the whole batch
        _fund(funder, 10e6);
        // move the escrow's tokens away behind its back (test-only cheat)
        deal(address(token), address(escrow), 0);
        vm.prank(settler);
        vm.expectRevert();
        escrow.settleBatch(1, funder, _one(1, _payee(0), 1e6, 0));
    }

    function test_settleBatch_rotationBySettlerRole() public {
        _fund(funder, 100e6);
        address settler2 = makeAddr("settler2");
        bytes32 role = escrow.SETTLER_ROLE();
        vm.startPrank(admin);
        escrow.grantRole(role, settler2);
        escrow.revokeRole(role, settler);
        vm.stopPrank();
        vm.prank(settler);
        vm.expectRevert(_unauthorized(settler, role));
        escrow.settleBatch(1, funder, _one(1, _payee(0), 1e6, 0));
        vm.prank(settler2);
        escrow.settleBatch(1, funder, _one(1, _payee(0), 1e6, 0));
        assertTrue(escrow.isPayoutSettled(1));
    }

    // ------------------------------------------------------------ anchor

    function test_anchor() public {
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.AuditAnchored(5, bytes32(uint256(0xabc)));
        vm.prank(anchorer);
        escrow.anchor(bytes32(uint256(0xabc)), 5);
        assertEq(escrow.lastAnchoredSeq(), 5);
        vm.prank(anchorer);
        escrow.anchor(bytes32(uint256(0xdef)), 6);
        assertEq(escrow.lastAnchoredSeq(), 6);
    }

    function test_anchor_revertsNotIncreasing() public {
        vm.prank(anchorer);
        escrow.anchor(bytes32(0), 5);
        vm.prank(anchorer);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.AnchorSeqNotIncreasing.selector, 5, 5));
        escrow.anchor(bytes32(0), 5);
        vm.prank(anchorer);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.AnchorSeqNotIncreasing.selector, 4, 5));
        escrow.anchor(bytes32(0), 4);
    }

    function test_anchor_revertsZeroSeqFirst() public {
        vm.prank(anchorer);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.AnchorSeqNotIncreasing.selector, 0, 0));
        escrow.anchor(bytes32(0), 0);
    }

    function test_anchor_revertsWithoutRole() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, keccak256("ANCHOR_ROLE")));
        escrow.anchor(bytes32(0), 1);
    }

    function test_anchor_worksWhenPaused() public {
        vm.prank(pauser);
        escrow.pause();
        vm.prank(anchorer);
        escrow.anchor(bytes32(0), 1);
        assertEq(escrow.lastAnchoredSeq(), 1);
    }

    // ------------------------------------------------------------ pause

    function test_pauseUnpause() public {
        vm.prank(pauser);
        escrow.pause();
        assertTrue(escrow.paused());
        vm.prank(pauser);
        escrow.unpause();
        assertFalse(escrow.paused());
    }

    function test_pause_revertsWithoutRole() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, keccak256("PAUSER_ROLE")));
        escrow.pause();
    }

    function test_unpause_revertsWithoutRole() public {
        vm.prank(pauser);
        escrow.pause();
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, keccak256("PAUSER_ROLE")));
        escrow.unpause();
    }

    function test_pause_revertsWhenPaused() public {
        vm.startPrank(pauser);
        escrow.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        escrow.pause();
        vm.stopPrank();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.prank(pauser);
        vm.expectRevert(Pausable.ExpectedPause.selector);
        escrow.unpause();
    }

    function test_requestAndCancel_workWhenPaused() public {
        _fund(funder, 10e6);
        vm.prank(pauser);
        escrow.pause();
        vm.startPrank(funder);
        escrow.requestWithdrawal(5e6);
        escrow.cancelWithdrawal();
        vm.stopPrank();
        assertEq(escrow.availableBalance(funder), 10e6);
    }

    // ------------------------------------------------------------ admin setters

    function test_setTreasury() public {
        address t2 = makeAddr("t2");
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.TreasuryChanged(treasury, t2);
        vm.prank(admin);
        escrow.setTreasury(t2);
        assertEq(escrow.treasury(), t2);
    }

    function test_setTreasury_revertsZero() public {
        vm.prank(admin);
        vm.expectRevert(SettlementEscrow.ZeroAddress.selector);
        escrow.setTreasury(address(0));
    }

    function test_setTreasury_revertsSelf() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.InvalidTreasury.selector, address(escrow)));
        escrow.setTreasury(address(escrow));
    }

    function test_setTreasury_revertsWithoutRole() public {
        vm.prank(settler);
        vm.expectRevert(_unauthorized(settler, bytes32(0)));
        escrow.setTreasury(stranger);
    }

    function test_setLimits() public {
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.LimitsChanged(1, 2, 3, 4);
        vm.prank(admin);
        escrow.setLimits(1, 2, 3, 4);
        assertEq(escrow.maxPayoutAmount(), 1);
        assertEq(escrow.maxBatchAmount(), 2);
        assertEq(escrow.windowCapAmount(), 3);
        assertEq(escrow.windowDurationSeconds(), 4);
    }

    function test_setLimits_revertsSafeCastOutOfRange() public {
        uint256 big = uint256(type(uint128).max) + 1;
        vm.startPrank(admin);
        vm.expectRevert(_downcast(128, big));
        escrow.setLimits(big, 1, 1, 1);
        vm.expectRevert(_downcast(128, big));
        escrow.setLimits(1, big, 1, 1);
        vm.expectRevert(_downcast(128, type(uint256).max));
        escrow.setLimits(1, 1, type(uint256).max, 1);
        vm.expectRevert(SettlementEscrow.InvalidLimits.selector);
        escrow.setLimits(1, 1, 1, 0);
        vm.expectRevert(_downcast(64, uint256(type(uint64).max) + 1));
        escrow.setLimits(1, 1, 1, uint256(type(uint64).max) + 1);
        // the largest values that fit are kept as they are, not wrapped
        escrow.setLimits(type(uint128).max, type(uint128).max, type(uint128).max, type(uint64).max);
        vm.stopPrank();
        assertEq(escrow.maxPayoutAmount(), type(uint128).max);
        assertEq(escrow.maxBatchAmount(), type(uint128).max);
        assertEq(escrow.windowCapAmount(), type(uint128).max);
        assertEq(escrow.windowDurationSeconds(), type(uint64).max);
    }

    function test_setLimits_revertsWithoutRole() public {
        vm.prank(settler);
        vm.expectRevert(_unauthorized(settler, bytes32(0)));
        escrow.setLimits(1, 1, 1, 1);
    }

    function test_setWithdrawalDelay() public {
        vm.expectEmit(address(escrow));
        emit SettlementEscrow.WithdrawalDelayChanged(DELAY, 2 hours);
        vm.prank(admin);
        escrow.setWithdrawalDelay(2 hours);
        assertEq(escrow.withdrawalDelay(), 2 hours);
    }

    function test_setWithdrawalDelay_boundaries() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooShort.selector, 0, 1 hours));
        escrow.setWithdrawalDelay(0);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooShort.selector, 1 hours - 1, 1 hours));
        escrow.setWithdrawalDelay(1 hours - 1);
        escrow.setWithdrawalDelay(1 hours);
        assertEq(escrow.withdrawalDelay(), 1 hours);
        escrow.setWithdrawalDelay(30 days);
        assertEq(escrow.withdrawalDelay(), 30 days);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalDelayTooLong.selector, 30 days + 1, 30 days));
        escrow.setWithdrawalDelay(30 days + 1);
        vm.stopPrank();
        assertEq(escrow.withdrawalDelay(), 30 days);
    }

    function test_withdraw_atMinimumDelay() public {
        vm.prank(admin);
        escrow.setWithdrawalDelay(1 hours);
        _fund(funder, 10e6);
        vm.prank(funder);
        escrow.requestWithdrawal(10e6);
        uint256 readyAt = block.timestamp + 1 hours;
        vm.warp(readyAt - 1);
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WithdrawalNotReady.selector, readyAt, readyAt - 1));
        escrow.withdraw();
        vm.warp(readyAt);
        vm.prank(funder);
        escrow.withdraw();
        assertEq(token.balanceOf(funder), 10e6);
    }

    function test_setWithdrawalDelay_revertsWithoutRole() public {
        vm.prank(settler);
        vm.expectRevert(_unauthorized(settler, bytes32(0)));
        escrow.setWithdrawalDelay(1);
    }

    // ------------------------------------------------------------ default admin (two steps, with a delay)

    function _invalidAdmin(address who) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, who);
    }

    /// @dev The admin begins a transfer to a new account.
    function _beginTransfer() internal returns (address newAdmin) {
        newAdmin = makeAddr("newAdmin");
        vm.prank(admin);
        escrow.beginDefaultAdminTransfer(newAdmin);
    }

    function _enforcedDelay(uint256 schedule) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule
        );
    }

    function test_admin_transferTakesTwoStepsAndTheDelay() public {
        address newAdmin = makeAddr("newAdmin");
        uint256 schedule = block.timestamp + ADMIN_DELAY;
        vm.expectEmit(address(escrow));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferScheduled(newAdmin, uint48(schedule));
        vm.prank(admin);
        escrow.beginDefaultAdminTransfer(newAdmin);
        (address pendingAdmin, uint48 pendingSchedule) = escrow.pendingDefaultAdmin();
        assertEq(pendingAdmin, newAdmin);
        assertEq(pendingSchedule, schedule);
        // nothing changes before the delay has passed (OpenZeppelin: strictly after the schedule)
        vm.warp(schedule);
        vm.prank(newAdmin);
        vm.expectRevert(_enforcedDelay(schedule));
        escrow.acceptDefaultAdminTransfer();
        assertEq(escrow.defaultAdmin(), admin);
        vm.warp(schedule + 1);
        vm.prank(newAdmin);
        escrow.acceptDefaultAdminTransfer();
        assertEq(escrow.defaultAdmin(), newAdmin);
        assertTrue(escrow.hasRole(escrow.DEFAULT_ADMIN_ROLE(), newAdmin));
        assertFalse(escrow.hasRole(escrow.DEFAULT_ADMIN_ROLE(), admin));
        (pendingAdmin, pendingSchedule) = escrow.pendingDefaultAdmin();
        assertEq(pendingAdmin, address(0));
        assertEq(pendingSchedule, 0);
        // the old admin lost its rights, the new one has them
        vm.prank(admin);
        vm.expectRevert(_unauthorized(admin, bytes32(0)));
        escrow.setLimits(1, 1, 1, 1);
        vm.prank(newAdmin);
        escrow.setLimits(1, 1, 1, 1);
        assertEq(escrow.maxPayoutAmount(), 1);
    }

    function test_admin_otherRolesSurviveTheTransfer() public {
        address newAdmin = _beginTransfer();
        vm.warp(block.timestamp + ADMIN_DELAY + 1);
        vm.prank(newAdmin);
        escrow.acceptDefaultAdminTransfer();
        assertTrue(escrow.hasRole(escrow.SETTLER_ROLE(), settler));
        assertTrue(escrow.hasRole(escrow.PAUSER_ROLE(), pauser));
        assertTrue(escrow.hasRole(escrow.ANCHOR_ROLE(), anchorer));
        _fund(funder, 10e6);
        _settle(1, _one(1, _payee(0), 1e6, 0));
        // the new admin manages them; the old one cannot
        bytes32 role = escrow.PAUSER_ROLE();
        vm.prank(admin);
        vm.expectRevert(_unauthorized(admin, bytes32(0)));
        escrow.revokeRole(role, pauser);
        vm.prank(newAdmin);
        escrow.revokeRole(role, pauser);
        assertFalse(escrow.hasRole(role, pauser));
    }

    function test_admin_acceptRevertsForAnyoneButThePendingAdmin() public {
        _beginTransfer();
        vm.warp(block.timestamp + ADMIN_DELAY + 1);
        vm.prank(stranger);
        vm.expectRevert(_invalidAdmin(stranger));
        escrow.acceptDefaultAdminTransfer();
        assertEq(escrow.defaultAdmin(), admin);
    }

    function test_admin_cancelledTransferCannotBeAccepted() public {
        address newAdmin = _beginTransfer();
        vm.expectEmit(address(escrow));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferCanceled();
        vm.prank(admin);
        escrow.cancelDefaultAdminTransfer();
        (address pendingAdmin, uint48 schedule) = escrow.pendingDefaultAdmin();
        assertEq(pendingAdmin, address(0));
        assertEq(schedule, 0);
        vm.warp(block.timestamp + ADMIN_DELAY + 1);
        vm.prank(newAdmin);
        vm.expectRevert(_invalidAdmin(newAdmin));
        escrow.acceptDefaultAdminTransfer();
        assertEq(escrow.defaultAdmin(), admin);
    }

    function test_admin_stepsNeedTheRole() public {
        vm.startPrank(stranger);
        vm.expectRevert(_unauthorized(stranger, bytes32(0)));
        escrow.beginDefaultAdminTransfer(stranger);
        vm.expectRevert(_unauthorized(stranger, bytes32(0)));
        escrow.cancelDefaultAdminTransfer();
        vm.expectRevert(_unauthorized(stranger, bytes32(0)));
        escrow.changeDefaultAdminDelay(1);
        // the role is checked before the value
        vm.expectRevert(_unauthorized(stranger, bytes32(0)));
        escrow.changeDefaultAdminDelay(30 days + 1);
        vm.stopPrank();
    }

    function test_admin_roleCannotBeGrantedRevokedOrRenouncedDirectly() public {
        bytes32 role = escrow.DEFAULT_ADMIN_ROLE();
        vm.startPrank(admin);
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        escrow.grantRole(role, stranger);
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        escrow.revokeRole(role, admin);
        vm.expectRevert(_enforcedDelay(0));
        escrow.renounceRole(role, admin);
        vm.stopPrank();
        assertEq(escrow.defaultAdmin(), admin);
    }

    function test_admin_changeDelayIsCappedAndScheduled() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.AdminDelayTooLong.selector, 30 days + 1, 30 days));
        escrow.changeDefaultAdminDelay(30 days + 1);
        // an increase takes effect after min(new delay, 5 days)
        escrow.changeDefaultAdminDelay(30 days);
        vm.stopPrank();
        (uint48 newDelay, uint48 effect) = escrow.pendingDefaultAdminDelay();
        assertEq(newDelay, 30 days);
        assertEq(effect, block.timestamp + 5 days);
        assertEq(escrow.defaultAdminDelay(), ADMIN_DELAY);
        vm.warp(effect + 1);
        assertEq(escrow.defaultAdminDelay(), 30 days);
    }

    // ------------------------------------------------------------ views for checking a planned batch

    function _capacity() internal view returns (SettlementEscrow.SettlementCapacity memory) {
        return escrow.settlementCapacity();
    }

    function test_settlementCapacity_beforeAnyBatch() public view {
        SettlementEscrow.SettlementCapacity memory c = _capacity();
        assertFalse(c.paused);
        assertEq(c.maxBatchPayouts, 1000);
        assertEq(c.maxPayoutAmount, MAX_PAYOUT);
        assertEq(c.maxBatchAmount, MAX_BATCH);
        assertEq(c.windowCapAmount, WINDOW_CAP);
        assertEq(c.windowDurationSeconds, WINDOW);
        assertEq(c.windowStart, block.timestamp);
        assertEq(c.windowVolume, 0);
        assertEq(c.windowRemaining, WINDOW_CAP);
        assertEq(escrow.windowRemaining(), WINDOW_CAP);
    }

    function test_settlementCapacity_followsBatchesAndTheWindow() public {
        _fund(funder, 100e6);
        uint256 t0 = block.timestamp;
        _settle(1, _two(1, 2)); // 33e6 gross
        vm.warp(t0 + 100);
        SettlementEscrow.SettlementCapacity memory c = _capacity();
        assertEq(c.windowStart, t0);
        assertEq(c.windowVolume, 33e6);
        assertEq(c.windowRemaining, WINDOW_CAP - 33e6);
        assertEq(escrow.windowRemaining(), WINDOW_CAP - 33e6);
        _settle(2, _two(3, 4));
        assertEq(escrow.windowRemaining(), WINDOW_CAP - 66e6);
        // the last second of the window still counts the volume...
        vm.warp(t0 + WINDOW - 1);
        assertEq(escrow.windowRemaining(), WINDOW_CAP - 66e6);
        // ...then a batch would open a new window at this block
        vm.warp(t0 + WINDOW);
        c = _capacity();
        assertEq(c.windowStart, t0 + WINDOW);
        assertEq(c.windowVolume, 0);
        assertEq(c.windowRemaining, WINDOW_CAP);
        assertEq(escrow.windowStart(), t0, "stored start moves only with a batch");
    }

    function test_windowRemaining_isExactlyWhatABatchMayUse() public {
        vm.prank(admin);
        escrow.setLimits(MAX_PAYOUT, MAX_BATCH, 50e6, WINDOW);
        _fund(funder, 1_000e6);
        _settle(1, _two(1, 2)); // 33e6
        uint256 remaining = escrow.windowRemaining();
        assertEq(remaining, 17e6);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WindowCapExceeded.selector, 50e6 + 1, 50e6));
        escrow.settleBatch(2, funder, _one(3, _payee(0), remaining, 1));
        _settle(2, _one(3, _payee(0), remaining - 1, 1));
        assertEq(escrow.windowRemaining(), 0);
        assertEq(_capacity().windowVolume, 50e6);
    }

    function test_windowRemaining_zeroWhenALoweredCapIsUsedUp() public {
        _fund(funder, 100e6);
        _settle(1, _two(1, 2)); // 33e6
        vm.prank(admin);
        escrow.setLimits(MAX_PAYOUT, MAX_BATCH, 10e6, WINDOW);
        assertEq(escrow.windowRemaining(), 0);
        assertEq(_capacity().windowVolume, 33e6);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.WindowCapExceeded.selector, 33e6 + 1, 10e6));
        escrow.settleBatch(2, funder, _one(3, _payee(0), 1, 0));
    }

    function test_settlementCapacity_showsPauseAndLimits() public {
        vm.prank(pauser);
        escrow.pause();
        assertTrue(_capacity().paused);
        vm.prank(admin);
        escrow.setLimits(7, 8, 9, 10);
        SettlementEscrow.SettlementCapacity memory c = _capacity();
        assertEq(c.maxPayoutAmount, 7);
        assertEq(c.maxBatchAmount, 8);
        assertEq(c.windowCapAmount, 9);
        assertEq(c.windowDurationSeconds, 10);
        assertEq(c.windowRemaining, 9);
    }

    function test_payoutsSettled() public {
        _fund(funder, 100e6);
        _settle(9, _two(5, 300));
        uint256[] memory ids = new uint256[](5);
        ids[0] = 5;
        ids[1] = 6;
        ids[2] = 300;
        ids[3] = 5;
        ids[4] = type(uint256).max;
        bool[] memory settled = escrow.payoutsSettled(ids);
        assertEq(settled.length, 5);
        assertTrue(settled[0]);
        assertFalse(settled[1]);
        assertTrue(settled[2]);
        assertTrue(settled[3]);
        assertFalse(settled[4]);
        assertEq(escrow.payoutsSettled(new uint256[](0)).length, 0);
        assertEq(escrow.payoutsSettled(new uint256[](1000)).length, 1000);
    }

    function test_payoutsSettled_revertsOverMaxBatch() public {
        vm.expectRevert(abi.encodeWithSelector(SettlementEscrow.BatchTooLarge.selector, 1001, 1000));
        escrow.payoutsSettled(new uint256[](1001));
    }

    // ------------------------------------------------------------ token

    function test_token_metadataAndMint() public {
        assertEq(token.name(), "Test USD");
        assertEq(token.symbol(), "TUSD");
        assertEq(token.decimals(), 6);
        assertTrue(token.hasRole(token.MINTER_ROLE(), admin));
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin));
        vm.prank(admin);
        token.mint(stranger, 5);
        assertEq(token.balanceOf(stranger), 5);
    }

    function test_token_mintRevertsWithoutRole() public {
        bytes32 role = token.MINTER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, role));
        token.mint(stranger, 5);
    }

    function test_token_permit() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                address(escrow),
                5e6,
                token.nonces(owner),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        token.permit(owner, address(escrow), 5e6, deadline, v, r, s);
        assertEq(token.allowance(owner, address(escrow)), 5e6);
    }
}
