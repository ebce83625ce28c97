// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {TestStablecoin} from "../src/TestStablecoin.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";

/// @dev Shared deployment for the escrow tests.
abstract contract EscrowBase is Test {
    TestStablecoin internal token;
    SettlementEscrow internal escrow;

    address internal admin = makeAddr("admin");
    address internal settler = makeAddr("settler");
    address internal pauser = makeAddr("pauser");
    address internal anchorer = makeAddr("anchorer");
    address internal treasury = makeAddr("treasury");
    address internal funder = makeAddr("funder");
    address internal stranger = makeAddr("stranger");

    uint256 internal constant DELAY = 1 days;
    uint256 internal constant ADMIN_DELAY = 2 days;
    uint256 internal constant MAX_PAYOUT = 1_000e6;
    uint256 internal constant MAX_BATCH = 100_000e6;
    uint256 internal constant WINDOW_CAP = 1_000_000e6;
    uint256 internal constant WINDOW = 1 days;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        token = new TestStablecoin(admin);
        escrow = new SettlementEscrow(
            address(token), admin, ADMIN_DELAY, treasury, DELAY, MAX_PAYOUT, MAX_BATCH, WINDOW_CAP, WINDOW
        );
        vm.startPrank(admin);
        escrow.grantRole(escrow.SETTLER_ROLE(), settler);
        escrow.grantRole(escrow.PAUSER_ROLE(), pauser);
        escrow.grantRole(escrow.ANCHOR_ROLE(), anchorer);
        vm.stopPrank();
    }

    function _fund(address who, uint256 amount) internal {
        vm.prank(admin);
        token.mint(who, amount);
        vm.startPrank(who);
        token.approve(address(escrow), amount);
        escrow.deposit(amount);
        vm.stopPrank();
    }

    function _payout(uint256 id, address payee, uint256 net, uint256 fee)
        internal
        pure
        returns (SettlementEscrow.Payout memory)
    {
        return SettlementEscrow.Payout({payoutId: id, payee: payee, netAmount: net, feeAmount: fee});
    }

    function _one(uint256 id, address payee, uint256 net, uint256 fee)
        internal
        pure
        returns (SettlementEscrow.Payout[] memory ps)
    {
        ps = new SettlementEscrow.Payout[](1);
        ps[0] = _payout(id, payee, net, fee);
    }

    function _gross(SettlementEscrow.Payout[] memory ps) internal pure returns (uint256 total) {
        for (uint256 i; i < ps.length; i++) {
            total += ps[i].netAmount + ps[i].feeAmount;
        }
    }

    function _payee(uint256 i) internal pure returns (address) {
        return address(uint160(0x100000 + i));
    }
}
