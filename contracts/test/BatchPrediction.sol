// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SettlementEscrow} from "../src/SettlementEscrow.sol";

/// @dev What the escrow's views say `settleBatch(batchId, funder, ps)` will do, as the service would
/// check a planned batch: the selector of the first check settleBatch fails, in its order, or 0 when
/// it settles. Uses external views only (settlementCapacity, isBatchSettled, payoutsSettled,
/// funderBalance); assumes the caller holds SETTLER_ROLE and every payee and net amount is valid.
library BatchPrediction {
    function predict(SettlementEscrow escrow, uint256 batchId, address funder, SettlementEscrow.Payout[] memory ps)
        internal
        view
        returns (bytes4)
    {
        SettlementEscrow.SettlementCapacity memory c = escrow.settlementCapacity();
        if (c.paused) return Pausable.EnforcedPause.selector;
        if (ps.length == 0) return SettlementEscrow.EmptyBatch.selector;
        if (ps.length > c.maxBatchPayouts) return SettlementEscrow.BatchTooLarge.selector;
        if (escrow.isBatchSettled(batchId)) return SettlementEscrow.BatchAlreadySettled.selector;
        uint256[] memory ids = new uint256[](ps.length);
        for (uint256 i; i < ps.length; i++) {
            ids[i] = ps[i].payoutId;
        }
        bool[] memory used = escrow.payoutsSettled(ids);
        uint256 total;
        for (uint256 i; i < ps.length; i++) {
            uint256 gross = ps[i].netAmount + ps[i].feeAmount;
            if (gross > c.maxPayoutAmount) return SettlementEscrow.PayoutCapExceeded.selector;
            bool repeated = used[i];
            for (uint256 j; j < i && !repeated; j++) {
                repeated = ids[j] == ids[i];
            }
            if (repeated) return SettlementEscrow.PayoutAlreadySettled.selector;
            total += gross;
        }
        if (total > c.maxBatchAmount) return SettlementEscrow.BatchCapExceeded.selector;
        if (total > c.windowRemaining) return SettlementEscrow.WindowCapExceeded.selector;
        if (total > escrow.funderBalance(funder)) return SettlementEscrow.InsufficientFunderBalance.selector;
        return bytes4(0);
    }
}
