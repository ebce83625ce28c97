// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, console} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {TestStablecoin} from "../src/TestStablecoin.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";

/// @dev Drives the escrow with random funder and settler actions and records ghost state.
contract EscrowHandler is Test {
    TestStablecoin internal token;
    SettlementEscrow internal escrow;
    address internal admin;
    address internal settler;
    address[3] internal funders;

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

    constructor(TestStablecoin token_, SettlementEscrow escrow_, address admin_, address settler_) {
        token = token_;
        escrow = escrow_;
        admin = admin_;
        settler = settler_;
        funders = [makeAddr("f0"), makeAddr("f1"), makeAddr("f2")];
    }

    function fundersList() external view returns (address[3] memory) {
        return funders;
    }

    function settledCount() external view returns (uint256) {
        return settledIds.length;
    }

    function deposit(uint256 who, uint256 amount) external {
        address f = funders[who % 3];
        amount = bound(amount, 1, 1_000_000e6);
        vm.prank(admin);
        token.mint(f, amount);
        vm.startPrank(f);
        token.approve(address(escrow), amount);
        escrow.deposit(amount);
        vm.stopPrank();
    }

    function requestWithdrawal(uint256 who, uint256 amount) external {
        address f = funders[who % 3];
        uint256 available = escrow.availableBalance(f);
        if (available == 0) return;
        amount = bound(amount, 1, available);
        vm.prank(f);
        escrow.requestWithdrawal(amount);
    }

    function cancelWithdrawal(uint256 who) external {
        address f = funders[who % 3];
        (uint256 pending,) = escrow.pendingWithdrawal(f);
        if (pending == 0) return;
        vm.prank(f);
        escrow.cancelWithdrawal();
    }

    function withdraw(uint256 who) external {
        address f = funders[who % 3];
        (uint256 pending, uint256 at) = escrow.pendingWithdrawal(f);
        if (pending == 0) return;
        if (block.timestamp < at) vm.warp(at);
        vm.prank(f);
        escrow.withdraw();
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 days));
    }

    /// @dev Settles n fresh payouts; with `replay` set, also slips in an already-settled id,
    /// which must revert the whole batch.
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
        if (balance < total && seed % 8 != 1) {
            vm.prank(admin);
            token.mint(f, total - balance);
            vm.startPrank(f);
            token.approve(address(escrow), total - balance);
            escrow.deposit(total - balance);
            vm.stopPrank();
        }
        bool isReplay = replay && settledIds.length > 0;
        if (isReplay) ps[seed % n].payoutId = settledIds[seed % settledIds.length];
        uint256 batchId = nextBatch++;
        vm.prank(settler);
        try escrow.settleBatch(batchId, f, ps) {
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
        } catch {
            if (isReplay && replayAttempts != type(uint256).max) replayAttempts++;
        }
        nextId += n * 301;
    }
}

/// @dev Invariants: the escrow holds exactly the funders' available + pending balances; no payout
/// id is paid twice; caps are never exceeded.
contract SettlementEscrowInvariantTest is StdInvariant, Test {
    TestStablecoin internal token;
    SettlementEscrow internal escrow;
    EscrowHandler internal handler;
    address internal admin = makeAddr("admin");
    address internal settler = makeAddr("settler");
    address internal treasury = makeAddr("treasury");

    uint256 internal constant MAX_PAYOUT = 50_000e6;
    uint256 internal constant MAX_BATCH = 300_000e6;
    uint256 internal constant WINDOW_CAP = 1_000_000e6;

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new TestStablecoin(admin);
        escrow = new SettlementEscrow(address(token), admin, treasury, 1 days, MAX_PAYOUT, MAX_BATCH, WINDOW_CAP, 1 days);
        handler = new EscrowHandler(token, escrow, admin, settler);
        vm.startPrank(admin);
        escrow.grantRole(escrow.SETTLER_ROLE(), settler);
        token.grantRole(token.MINTER_ROLE(), address(handler));
        vm.stopPrank();
        targetContract(address(handler));
    }

    function invariant_escrowHoldsFunderBalances() public view {
        address[3] memory fs = handler.fundersList();
        uint256 sum;
        for (uint256 i; i < 3; i++) {
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

    function afterInvariant() external view {
        // the campaign did exercise settlement and replays
        console.log("settled batches, batches tried, replays rejected", handler.settledBatches(), handler.nextBatch(), handler.replayAttempts());

    }
}
