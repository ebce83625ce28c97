// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, console} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TestStablecoin} from "../src/TestStablecoin.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";
import {BatchPrediction} from "./BatchPrediction.sol";

/// @dev Drives the escrow with random funder, settler, pauser and admin actions and records ghost state.
/// Funder 3 (the whale) holds more than 2**192 so its withdrawal requests hit the 192-bit pending field.
contract EscrowHandler is Test {
    TestStablecoin internal token;
    SettlementEscrow internal escrow;
    address internal minter;
    address internal settler;
    address internal pauser;
    address[4] internal funders;
    address[3] internal admins;

    uint256 public nextId;
    uint256 public nextBatch;
    uint256[] public settledIds;
    mapping(uint256 => uint256) public timesPaid;
    mapping(address => uint256) public ghostPaidTo;
    uint256 public ghostTotalPaid;
    uint256 public ghostMaxGrossPayout;
    uint256 public ghostMaxBatch;
    uint256 public replayAttempts;
    uint256 public settledBatches;
    /// @dev settleBatch outcomes that differ from what the views predicted (must stay 0).
    uint256 public viewMispredictions;
    mapping(bytes4 => uint256) public predicted;
    /// @dev Pending withdrawals that did not grow by exactly the request, or a revert other than SafeCast's.
    uint256 public castViolations;
    uint256 public castReverts;
    /// @dev Withdrawals paid earlier than MIN_WITHDRAWAL_DELAY after the funder's last request.
    uint256 public earlyWithdrawals;
    mapping(address => uint256) internal lastRequestAt;
    /// @dev Admin transfers accepted before their schedule or by someone else than the pending admin.
    uint256 public adminViolations;
    uint256 public adminTransfers;
    address public ghostAdmin;
    address internal ghostPendingAdmin;
    uint256 internal ghostSchedule;

    constructor(
        TestStablecoin token_,
        SettlementEscrow escrow_,
        address minter_,
        address settler_,
        address pauser_,
        address whale
    ) {
        token = token_;
        escrow = escrow_;
        minter = minter_;
        settler = settler_;
        pauser = pauser_;
        funders = [makeAddr("f0"), makeAddr("f1"), makeAddr("f2"), whale];
        admins = [escrow_.defaultAdmin(), makeAddr("admin2"), makeAddr("admin3")];
        ghostAdmin = admins[0];
    }

    function fundersList() external view returns (address[4] memory) {
        return funders;
    }

    function adminsList() external view returns (address[3] memory) {
        return admins;
    }

    function settledCount() external view returns (uint256) {
        return settledIds.length;
    }

    function _mintAndDeposit(address f, uint256 amount) internal {
        vm.prank(minter);
        token.mint(f, amount);
        vm.startPrank(f);
        token.approve(address(escrow), amount);
        escrow.deposit(amount);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ funders

    function deposit(uint256 who, uint256 amount) external {
        if (escrow.paused()) return;
        _mintAndDeposit(funders[who % 4], bound(amount, 1, 1_000_000e6));
    }

    /// @dev Any amount up to the available balance: the whale's often push the pending amount
    /// past 192 bits, which must revert with SafeCast's error and change nothing.
    function requestWithdrawal(uint256 who, uint256 amount) external {
        address f = funders[who % 4];
        uint256 available = escrow.availableBalance(f);
        if (available == 0) return;
        amount = bound(amount, 1, available);
        (uint256 before,) = escrow.pendingWithdrawal(f);
        vm.prank(f);
        try escrow.requestWithdrawal(amount) {
            (uint256 afterwards,) = escrow.pendingWithdrawal(f);
            if (afterwards != before + amount || before + amount > type(uint192).max) castViolations++;
            lastRequestAt[f] = block.timestamp;
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                SafeCast.SafeCastOverflowedUintDowncast.selector, uint8(192), before + amount
            );
            if (keccak256(reason) != keccak256(expected) || before + amount <= type(uint192).max) castViolations++;
            castReverts++;
        }
    }

    function cancelWithdrawal(uint256 who) external {
        address f = funders[who % 4];
        (uint256 pending,) = escrow.pendingWithdrawal(f);
        if (pending == 0) return;
        vm.prank(f);
        escrow.cancelWithdrawal();
    }

    function withdraw(uint256 who) external {
        address f = funders[who % 4];
        (uint256 pending, uint256 readyAt) = escrow.pendingWithdrawal(f);
        if (pending == 0) return;
        if (block.timestamp < readyAt) vm.warp(readyAt);
        vm.prank(f);
        escrow.withdraw();
        if (block.timestamp < lastRequestAt[f] + escrow.MIN_WITHDRAWAL_DELAY()) earlyWithdrawals++;
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 days));
    }

    // ------------------------------------------------------------ settler, pauser

    /// @dev Settles n fresh payouts; with `replay` set, also slips in an already-settled id,
    /// which must revert the whole batch. The views' prediction must match the outcome.
    function settle(uint256 who, uint256 n, uint256 seed, bool replay) external {
        address f = funders[who % 3];
        n = bound(n, 1, 12);
        SettlementEscrow.Payout[] memory ps = new SettlementEscrow.Payout[](n);
        uint256 total;
        uint256 maxPayout = escrow.maxPayoutAmount();
        for (uint256 i; i < n; i++) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 net = 1 + r % (maxPayout / 4);
            uint256 fee = (r >> 128) % 2e6;
            ps[i] = SettlementEscrow.Payout({
                payoutId: nextId + i * (1 + (r >> 200) % 300),
                payee: address(uint160(0xA0000 + (r >> 64) % 50)),
                netAmount: net,
                feeAmount: fee
            });
            total += net + fee;
        }
        if (seed % 16 == 0) {
            // now and then one payout over the per-payout cap: must revert the batch
            ps[0].netAmount = maxPayout + 1 - ps[0].feeAmount;
            total += maxPayout + 1 - ps[0].netAmount - ps[0].feeAmount;
        }
        // keep most batches funded; now and then leave the funder short
        uint256 balance = escrow.funderBalance(f);
        if (balance < total && seed % 8 != 1 && !escrow.paused()) _mintAndDeposit(f, total - balance);
        bool isReplay = replay && settledIds.length > 0;
        if (isReplay) ps[seed % n].payoutId = settledIds[seed % settledIds.length];
        uint256 batchId = nextBatch++;
        bytes4 expected = BatchPrediction.predict(escrow, batchId, f, ps);
        predicted[expected]++;
        vm.prank(settler);
        try escrow.settleBatch(batchId, f, ps) {
            if (expected != bytes4(0)) viewMispredictions++;
            if (isReplay) replayAttempts = type(uint256).max; // must never happen; invariant flags it
            if (total > ghostMaxBatch) ghostMaxBatch = total;
            for (uint256 i; i < n; i++) {
                timesPaid[ps[i].payoutId]++;
                settledIds.push(ps[i].payoutId);
                ghostPaidTo[ps[i].payee] += ps[i].netAmount;
                ghostTotalPaid += ps[i].netAmount;
                if (ps[i].netAmount + ps[i].feeAmount > ghostMaxGrossPayout) {
                    ghostMaxGrossPayout = ps[i].netAmount + ps[i].feeAmount;
                }
            }
            settledBatches++;
        } catch (bytes memory reason) {
            if (expected == bytes4(0) || bytes4(reason) != expected) viewMispredictions++;
            if (isReplay && replayAttempts != type(uint256).max) replayAttempts++;
        }
        nextId += n * 301;
    }

    /// @dev Pauses now and then (one call in four), unpauses at the next call: mostly running.
    function togglePause(uint256 seed) external {
        bool paused = escrow.paused();
        if (!paused && seed % 4 != 0) return;
        vm.prank(pauser);
        if (paused) escrow.unpause();
        else escrow.pause();
    }

    // ------------------------------------------------------------ default admin

    /// @dev Tries any notice period, in or out of bounds, as the current admin.
    function setWithdrawalDelay(uint256 delay) external {
        delay = bound(delay, 0, 40 days);
        vm.prank(escrow.defaultAdmin());
        try escrow.setWithdrawalDelay(delay) {} catch {}
    }

    function beginAdminTransfer(uint256 who) external {
        address candidate = admins[who % 3];
        vm.prank(escrow.defaultAdmin());
        escrow.beginDefaultAdminTransfer(candidate);
        ghostPendingAdmin = candidate;
        ghostSchedule = block.timestamp + escrow.defaultAdminDelay();
    }

    function cancelAdminTransfer() external {
        vm.prank(escrow.defaultAdmin());
        escrow.cancelDefaultAdminTransfer();
        ghostPendingAdmin = address(0);
        ghostSchedule = 0;
    }

    /// @dev Any of the admin accounts tries to accept, at any time.
    function acceptAdminTransfer(uint256 who, uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 0, 2 days));
        address caller = admins[who % 3];
        vm.prank(caller);
        try escrow.acceptDefaultAdminTransfer() {
            if (caller != ghostPendingAdmin || ghostSchedule == 0 || block.timestamp <= ghostSchedule) {
                adminViolations++;
            }
            ghostAdmin = caller;
            ghostPendingAdmin = address(0);
            ghostSchedule = 0;
            adminTransfers++;
        } catch {}
    }
}

/// @dev Invariants: the escrow holds exactly the funders' available + pending balances; no payout
/// id is paid twice; caps are never exceeded; the views predict every settleBatch outcome and
/// agree with each other; pending amounts never wrap; the notice period stays within its bounds;
/// one default admin at a time, changed only by an accepted transfer after its delay.
contract SettlementEscrowInvariantTest is StdInvariant, Test {
    TestStablecoin internal token;
    SettlementEscrow internal escrow;
    EscrowHandler internal handler;
    address internal admin = makeAddr("admin");
    address internal settler = makeAddr("settler");
    address internal pauser = makeAddr("pauser");
    address internal treasury = makeAddr("treasury");
    address internal whale = makeAddr("whale");

    uint256 internal constant MAX_PAYOUT = 50_000e6;
    // Low enough, with a 7-day window, that the handler's batches (up to 12 payouts of up to
    // 12,502 TUSD, warps of up to 2 days) run into the batch cap and the window cap too.
    uint256 internal constant MAX_BATCH = 60_000e6;
    uint256 internal constant WINDOW_CAP = 80_000e6;
    uint256 internal constant WINDOW = 7 days;

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new TestStablecoin(admin);
        escrow = new SettlementEscrow(
            address(token), admin, 1 days, treasury, 1 days, MAX_PAYOUT, MAX_BATCH, WINDOW_CAP, WINDOW
        );
        handler = new EscrowHandler(token, escrow, admin, settler, pauser, whale);
        vm.startPrank(admin);
        escrow.grantRole(escrow.SETTLER_ROLE(), settler);
        escrow.grantRole(escrow.PAUSER_ROLE(), pauser);
        token.mint(whale, 1 << 193);
        vm.stopPrank();
        vm.startPrank(whale);
        token.approve(address(escrow), 1 << 193);
        escrow.deposit(1 << 193);
        vm.stopPrank();
        targetContract(address(handler));
    }

    function invariant_escrowHoldsFunderBalances() public view {
        address[4] memory fs = handler.fundersList();
        uint256 sum;
        for (uint256 i; i < 4; i++) {
            (uint256 pending,) = escrow.pendingWithdrawal(fs[i]);
            assertEq(escrow.funderBalance(fs[i]), escrow.availableBalance(fs[i]) + pending);
            sum += escrow.availableBalance(fs[i]) + pending;
        }
        assertEq(token.balanceOf(address(escrow)), sum);
    }

    function invariant_noPayoutPaidTwice() public view {
        uint256 n = handler.settledCount();
        for (uint256 i; i < n; i++) {
            uint256 id = handler.settledIds(i);
            assertEq(handler.timesPaid(id), 1);
            assertTrue(escrow.isPayoutSettled(id));
        }
        assertTrue(handler.replayAttempts() != type(uint256).max, "a replayed id was paid");
        uint256 paid;
        for (uint256 k; k < 50; k++) {
            address payee = address(uint160(0xA0000 + k));
            assertEq(token.balanceOf(payee), handler.ghostPaidTo(payee));
            paid += token.balanceOf(payee);
        }
        assertEq(paid, handler.ghostTotalPaid());
    }

    function invariant_capsNeverExceeded() public view {
        assertLe(handler.ghostMaxGrossPayout(), MAX_PAYOUT);
        assertLe(handler.ghostMaxBatch(), MAX_BATCH);
        assertLe(escrow.windowVolume(), WINDOW_CAP);
    }

    function invariant_viewsPredictAndAgree() public view {
        assertEq(handler.viewMispredictions(), 0, "settleBatch did otherwise than the views predicted");
        SettlementEscrow.SettlementCapacity memory c = escrow.settlementCapacity();
        assertEq(c.paused, escrow.paused());
        assertEq(c.maxPayoutAmount, escrow.maxPayoutAmount());
        assertEq(c.maxBatchAmount, escrow.maxBatchAmount());
        assertEq(c.windowCapAmount, escrow.windowCapAmount());
        assertEq(c.windowVolume, escrow.windowVolume());
        assertEq(c.windowRemaining, escrow.windowRemaining());
        assertEq(c.windowRemaining + c.windowVolume, WINDOW_CAP);
        assertLe(c.windowStart, block.timestamp);
        assertGt(c.windowStart + c.windowDurationSeconds, block.timestamp);
    }

    function invariant_pendingNeverWraps() public view {
        assertEq(handler.castViolations(), 0, "a pending withdrawal wrapped or reverted otherwise");
    }

    function invariant_withdrawalDelayWithinBounds() public view {
        uint256 delay = escrow.withdrawalDelay();
        assertGe(delay, escrow.MIN_WITHDRAWAL_DELAY());
        assertLe(delay, escrow.MAX_WITHDRAWAL_DELAY());
        assertEq(handler.earlyWithdrawals(), 0, "a withdrawal was paid before the minimum notice period");
    }

    function invariant_oneDefaultAdminChangedOnlyAfterItsDelay() public view {
        assertEq(handler.adminViolations(), 0, "an admin transfer was accepted early or by the wrong account");
        address current = escrow.defaultAdmin();
        assertEq(current, handler.ghostAdmin());
        address[3] memory admins = handler.adminsList();
        uint256 holders;
        for (uint256 i; i < 3; i++) {
            if (escrow.hasRole(escrow.DEFAULT_ADMIN_ROLE(), admins[i])) {
                holders++;
                assertEq(admins[i], current);
            }
        }
        assertEq(holders, 1);
    }

    function afterInvariant() external view {
        // the campaign did exercise settlement, replays, SafeCast and admin transfers
        console.log("settled batches, batches tried, replays rejected", handler.settledBatches(), handler.nextBatch(), handler.replayAttempts());
        console.log("pending-width reverts, admin transfers", handler.castReverts(), handler.adminTransfers());
    }
}
