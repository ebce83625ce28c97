// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title SettlementEscrow
/// @notice Holds one ERC-20 token for funders (integrators) and pays out batches of cash-outs.
/// Funders deposit into their own balance; withdrawing takes a notice period so that funds that
/// cash-outs were promised against cannot vanish while a batch is in flight. A settler pays a
/// batch of payouts from one funder's balance in one call; every payout id can be settled once.
/// @dev Last-line limits (per payout, per batch, per fixed window, all on gross = net + fee) bound
/// the damage a stolen settler key can do. Fee-on-transfer and rebasing tokens are not supported.
///
/// Pause policy: `pause` stops `settleBatch`, `deposit` and `depositFor` (no new money moves in
/// or out through the settlement path while an incident is investigated). Funders'
/// `requestWithdrawal`, `cancelWithdrawal` and `withdraw` keep working while paused: the funds
/// belong to the funders, the notice period still applies, and a pause (or a stolen pauser key)
/// must not be able to lock them in the contract indefinitely. `anchor` also keeps working so the
/// audit trail continues during an incident.
contract SettlementEscrow is AccessControl, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice One cash-out inside a batch. `netAmount` goes to `payee`, `feeAmount` to the treasury.
    struct Payout {
        uint256 payoutId;
        address payee;
        uint256 netAmount;
        uint256 feeAmount;
    }

    /// @notice Role allowed to call `settleBatch`.
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    /// @notice Role allowed to call `pause` and `unpause`.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Role allowed to call `anchor`.
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");
    /// @notice Most payouts accepted in one `settleBatch` call.
    uint256 public constant MAX_BATCH_PAYOUTS = 1000;
    /// @notice Upper bound for the withdrawal notice period.
    uint256 public constant MAX_WITHDRAWAL_DELAY = 30 days;

    // ---------------------------------------------------------------- events

    event Deposited(address indexed funder, address indexed from, uint256 amount);
    event WithdrawalRequested(address indexed funder, uint256 amount, uint256 availableAt);
    event WithdrawalCancelled(address indexed funder, uint256 amount);
    event Withdrawn(address indexed funder, uint256 amount);
    event PayoutSettled(
        uint256 indexed payoutId, uint256 indexed batchId, address indexed payee, uint256 netAmount, uint256 feeAmount
    );
    event BatchSettled(
        uint256 indexed batchId, address indexed funder, uint256 count, uint256 totalNet, uint256 totalFee
    );
    event AuditAnchored(uint256 indexed seq, bytes32 root);
    event TreasuryChanged(address indexed previousTreasury, address indexed newTreasury);
    event LimitsChanged(
        uint256 maxPayoutAmount, uint256 maxBatchAmount, uint256 windowCapAmount, uint256 windowDurationSeconds
    );
    event WithdrawalDelayChanged(uint256 previousDelay, uint256 newDelay);

    // ---------------------------------------------------------------- errors

    error ZeroAddress();
    error ZeroAmount();
    error EmptyBatch();
    error BatchTooLarge(uint256 count, uint256 max);
    error BatchAlreadySettled(uint256 batchId);
    error PayoutAlreadySettled(uint256 payoutId);
    error InvalidPayee(uint256 payoutId, address payee);
    error ZeroPayout(uint256 payoutId);
    error PayoutCapExceeded(uint256 payoutId, uint256 amount, uint256 cap);
    error BatchCapExceeded(uint256 amount, uint256 cap);
    error WindowCapExceeded(uint256 volumeAfter, uint256 cap);
    error InsufficientFunderBalance(address funder, uint256 balance, uint256 needed);
    error InsufficientAvailableBalance(address funder, uint256 available, uint256 requested);
    error NoPendingWithdrawal(address funder);
    error WithdrawalNotReady(uint256 availableAt, uint256 nowTimestamp);
    error AnchorSeqNotIncreasing(uint256 seq, uint256 lastSeq);
    error InvalidTreasury(address treasury);
    error InvalidLimits();
    error WithdrawalDelayTooLong(uint256 delay, uint256 max);

    // ---------------------------------------------------------------- storage

    struct Limits {
        uint128 maxPayoutAmount;
        uint128 maxBatchAmount;
        uint128 windowCapAmount;
        uint64 windowDurationSeconds;
    }

    struct PendingWithdrawal {
        uint192 amount;
        uint64 availableAt;
    }

    IERC20 private immutable _token;
    address private _treasury;
    uint256 private _withdrawalDelay;
    Limits private _limits;
    uint64 private _windowStart;
    uint192 private _windowVolume;
    uint256 private _lastAnchoredSeq;
    mapping(address funder => uint256) private _available;
    mapping(address funder => PendingWithdrawal) private _pending;
    /// @dev Replay guards: bit (id & 255) of word (id >> 8).
    mapping(uint256 word => uint256) private _settledPayouts;
    mapping(uint256 word => uint256) private _settledBatches;

    /// @param token_ The ERC-20 token held and paid out (immutable).
    /// @param admin Receives DEFAULT_ADMIN_ROLE only; the deployer grants the other roles afterwards.
    /// @param treasury_ Receives the fees of every batch.
    /// @param withdrawalDelaySeconds Notice period for withdrawals (at most MAX_WITHDRAWAL_DELAY).
    /// @param maxPayoutAmount_ Cap on one payout's gross amount (net + fee).
    /// @param maxBatchAmount_ Cap on one batch's gross amount.
    /// @param windowCapAmount_ Cap on the gross volume settled in one window.
    /// @param windowDurationSeconds_ Length of a window (a new window starts at the first batch after it ends).
    constructor(
        address token_,
        address admin,
        address treasury_,
        uint256 withdrawalDelaySeconds,
        uint256 maxPayoutAmount_,
        uint256 maxBatchAmount_,
        uint256 windowCapAmount_,
        uint256 windowDurationSeconds_
    ) {
        if (token_ == address(0) || admin == address(0)) revert ZeroAddress();
        _token = IERC20(token_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setTreasury(treasury_);
        _setWithdrawalDelay(withdrawalDelaySeconds);
        _setLimits(maxPayoutAmount_, maxBatchAmount_, windowCapAmount_, windowDurationSeconds_);
    }

    // ---------------------------------------------------------------- funders

    /// @notice Deposits `amount` from the caller into the caller's available balance.
    /// @dev Needs an allowance for this contract. Paused: reverts.
    /// @param amount Amount in token base units (> 0).
    function deposit(uint256 amount) external whenNotPaused nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @notice Deposits `amount` from the caller into `funder`'s available balance.
    /// @dev Needs an allowance for this contract. Paused: reverts.
    /// @param funder The balance credited (non-zero).
    /// @param amount Amount in token base units (> 0).
    function depositFor(address funder, uint256 amount) external whenNotPaused nonReentrant {
        if (funder == address(0)) revert ZeroAddress();
        _deposit(funder, amount);
    }

    /// @notice Moves `amount` of the caller's available balance to its pending withdrawal and
    /// (re)starts the notice period: the whole pending amount becomes withdrawable at
    /// `block.timestamp + withdrawalDelay()`.
    /// @dev Works while paused (see the pause policy above). Pending funds can still be drawn by
    /// `settleBatch` during the notice period, after the available balance.
    /// @param amount Amount to move (> 0, at most the available balance).
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 available = _available[msg.sender];
        if (amount > available) revert InsufficientAvailableBalance(msg.sender, available, amount);
        PendingWithdrawal storage p = _pending[msg.sender];
        uint256 availableAt = block.timestamp + _withdrawalDelay;
        unchecked {
            _available[msg.sender] = available - amount;
        }
        p.amount = uint192(uint256(p.amount) + amount);
        p.availableAt = uint64(availableAt);
        emit WithdrawalRequested(msg.sender, amount, availableAt);
    }

    /// @notice Pays the caller's whole pending withdrawal once its notice period has passed.
    /// @dev Works while paused (see the pause policy above).
    function withdraw() external nonReentrant {
        PendingWithdrawal memory p = _pending[msg.sender];
        if (p.amount == 0) revert NoPendingWithdrawal(msg.sender);
        if (block.timestamp < p.availableAt) revert WithdrawalNotReady(p.availableAt, block.timestamp);
        delete _pending[msg.sender];
        emit Withdrawn(msg.sender, p.amount);
        _token.safeTransfer(msg.sender, p.amount);
    }

    /// @notice Moves the caller's whole pending withdrawal back to its available balance.
    /// @dev Works while paused (see the pause policy above).
    function cancelWithdrawal() external {
        uint256 amount = _pending[msg.sender].amount;
        if (amount == 0) revert NoPendingWithdrawal(msg.sender);
        delete _pending[msg.sender];
        _available[msg.sender] += amount;
        emit WithdrawalCancelled(msg.sender, amount);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Pays a batch of cash-outs from `funder`'s balance: each payee gets its net amount,
    /// the summed fees go to the treasury in one transfer.
    /// @dev SETTLER_ROLE, not paused. Draws from the funder's available balance first, then from
    /// its pending withdrawal. Reverts as a whole if the batch id or any payout id was settled
    /// before (or repeats inside the batch), or a cap would be exceeded. Emits one PayoutSettled
    /// per payout and one BatchSettled. Checks and effects (replay bitmaps, caps, window volume,
    /// funder balance) all happen before the first token transfer.
    /// @param batchId Service-assigned batch id (each settles once).
    /// @param funder Whose balance pays the batch.
    /// @param payouts 1..MAX_BATCH_PAYOUTS payouts; ids are dense service-assigned integers.
    function settleBatch(uint256 batchId, address funder, Payout[] calldata payouts)
        external
        onlyRole(SETTLER_ROLE)
        whenNotPaused
        nonReentrant
    {
        uint256 count = payouts.length;
        if (count == 0) revert EmptyBatch();
        if (count > MAX_BATCH_PAYOUTS) revert BatchTooLarge(count, MAX_BATCH_PAYOUTS);

        {
            uint256 bWord = _settledBatches[batchId >> 8];
            uint256 bMask = 1 << (batchId & 0xff);
            if (bWord & bMask != 0) revert BatchAlreadySettled(batchId);
            _settledBatches[batchId >> 8] = bWord | bMask;
        }

        Limits memory limits = _limits;
        (uint256 totalNet, uint256 totalFee) = _recordPayouts(batchId, payouts, limits.maxPayoutAmount);

        uint256 total;
        unchecked {
            total = totalNet + totalFee;
        }
        if (total > limits.maxBatchAmount) revert BatchCapExceeded(total, limits.maxBatchAmount);

        {
            uint256 start = _windowStart;
            uint256 volume = _windowVolume;
            if (block.timestamp >= start + limits.windowDurationSeconds) {
                start = block.timestamp;
                volume = 0;
            }
            uint256 volumeAfter = volume + total;
            if (volumeAfter > limits.windowCapAmount) revert WindowCapExceeded(volumeAfter, limits.windowCapAmount);
            _windowStart = uint64(start);
            _windowVolume = uint192(volumeAfter);
        }

        {
            uint256 available = _available[funder];
            if (available >= total) {
                unchecked {
                    _available[funder] = available - total;
                }
            } else {
                PendingWithdrawal storage pw = _pending[funder];
                uint256 pending = pw.amount;
                if (available + pending < total) revert InsufficientFunderBalance(funder, available + pending, total);
                if (available != 0) _available[funder] = 0;
                unchecked {
                    pw.amount = uint192(pending - (total - available));
                }
            }
        }

        emit BatchSettled(batchId, funder, count, totalNet, totalFee);

        // Interactions: one transfer per payee, one to the treasury.
        _payAll(address(_token), payouts);
        if (totalFee != 0) _token.safeTransfer(_treasury, totalFee);
    }

    // ---------------------------------------------------------------- audit

    /// @notice Records the audit log's head `root` at sequence number `seq` on-chain.
    /// @dev ANCHOR_ROLE; `seq` must be greater than `lastAnchoredSeq()`. Works while paused.
    /// @param root Hash of the audit log's head event.
    /// @param seq Sequence number of that event.
    function anchor(bytes32 root, uint256 seq) external onlyRole(ANCHOR_ROLE) {
        uint256 last = _lastAnchoredSeq;
        if (seq <= last) revert AnchorSeqNotIncreasing(seq, last);
        _lastAnchoredSeq = seq;
        emit AuditAnchored(seq, root);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Stops `settleBatch`, `deposit` and `depositFor`.
    /// @dev PAUSER_ROLE. Emits Paused.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes after `pause`.
    /// @dev PAUSER_ROLE. Emits Unpaused.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice Sets the address that receives batch fees.
    /// @dev DEFAULT_ADMIN_ROLE. Emits TreasuryChanged.
    /// @param newTreasury Non-zero, not this contract.
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(newTreasury);
    }

    /// @notice Sets the caps (gross amounts, token base units) and the window length.
    /// @dev DEFAULT_ADMIN_ROLE. Amounts must fit in 128 bits, the duration in 64 bits and be > 0.
    /// The current window keeps its start and volume. Emits LimitsChanged.
    /// @param maxPayoutAmount_ Cap on one payout.
    /// @param maxBatchAmount_ Cap on one batch.
    /// @param windowCapAmount_ Cap on the volume of one window.
    /// @param windowDurationSeconds_ Window length in seconds.
    function setLimits(
        uint256 maxPayoutAmount_,
        uint256 maxBatchAmount_,
        uint256 windowCapAmount_,
        uint256 windowDurationSeconds_
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLimits(maxPayoutAmount_, maxBatchAmount_, windowCapAmount_, windowDurationSeconds_);
    }

    /// @notice Sets the withdrawal notice period for future requests.
    /// @dev DEFAULT_ADMIN_ROLE; at most MAX_WITHDRAWAL_DELAY. Pending requests keep their time.
    /// Emits WithdrawalDelayChanged.
    /// @param newDelay Notice period in seconds.
    function setWithdrawalDelay(uint256 newDelay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWithdrawalDelay(newDelay);
    }

    // ---------------------------------------------------------------- views

    /// @notice The token held and paid out.
    function token() external view returns (address) {
        return address(_token);
    }

    /// @notice The address that receives batch fees.
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @notice The withdrawal notice period in seconds.
    function withdrawalDelay() external view returns (uint256) {
        return _withdrawalDelay;
    }

    /// @notice `funder`'s balance available for settlement and withdrawal requests.
    function availableBalance(address funder) external view returns (uint256) {
        return _available[funder];
    }

    /// @notice `funder`'s pending withdrawal and when it becomes withdrawable.
    function pendingWithdrawal(address funder) external view returns (uint256 amount, uint256 availableAt) {
        PendingWithdrawal memory p = _pending[funder];
        return (p.amount, p.availableAt);
    }

    /// @notice `funder`'s total balance: available + pending withdrawal.
    function funderBalance(address funder) external view returns (uint256) {
        return _available[funder] + _pending[funder].amount;
    }

    /// @notice Whether `payoutId` has been settled.
    function isPayoutSettled(uint256 payoutId) external view returns (bool) {
        return _settledPayouts[payoutId >> 8] & (1 << (payoutId & 0xff)) != 0;
    }

    /// @notice Whether `batchId` has been settled.
    function isBatchSettled(uint256 batchId) external view returns (bool) {
        return _settledBatches[batchId >> 8] & (1 << (batchId & 0xff)) != 0;
    }

    /// @notice The highest anchored audit sequence number (0 before the first anchor).
    function lastAnchoredSeq() external view returns (uint256) {
        return _lastAnchoredSeq;
    }

    /// @notice Cap on one payout's gross amount.
    function maxPayoutAmount() external view returns (uint256) {
        return _limits.maxPayoutAmount;
    }

    /// @notice Cap on one batch's gross amount.
    function maxBatchAmount() external view returns (uint256) {
        return _limits.maxBatchAmount;
    }

    /// @notice Cap on the gross volume of one window.
    function windowCapAmount() external view returns (uint256) {
        return _limits.windowCapAmount;
    }

    /// @notice Window length in seconds.
    function windowDurationSeconds() external view returns (uint256) {
        return _limits.windowDurationSeconds;
    }

    /// @notice Start of the last window a batch was settled in (0 before the first batch).
    function windowStart() external view returns (uint256) {
        return _windowStart;
    }

    /// @notice Gross volume settled in the current window (0 if that window has ended).
    function windowVolume() external view returns (uint256) {
        if (block.timestamp >= uint256(_windowStart) + _limits.windowDurationSeconds) return 0;
        return _windowVolume;
    }

    // ---------------------------------------------------------------- internals

    function _deposit(address funder, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        _available[funder] += amount;
        emit Deposited(funder, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    function _setTreasury(address newTreasury) private {
        if (newTreasury == address(0)) revert ZeroAddress();
        if (newTreasury == address(this)) revert InvalidTreasury(newTreasury);
        emit TreasuryChanged(_treasury, newTreasury);
        _treasury = newTreasury;
    }

    function _setWithdrawalDelay(uint256 newDelay) private {
        if (newDelay > MAX_WITHDRAWAL_DELAY) revert WithdrawalDelayTooLong(newDelay, MAX_WITHDRAWAL_DELAY);
        emit WithdrawalDelayChanged(_withdrawalDelay, newDelay);
        _withdrawalDelay = newDelay;
    }

    function _setLimits(uint256 maxPayout, uint256 maxBatch, uint256 windowCap, uint256 windowDuration) private {
        if (
            maxPayout > type(uint128).max || maxBatch > type(uint128).max || windowCap > type(uint128).max
                || windowDuration == 0 || windowDuration > type(uint64).max
        ) revert InvalidLimits();
        _limits = Limits(uint128(maxPayout), uint128(maxBatch), uint128(windowCap), uint64(windowDuration));
        emit LimitsChanged(maxPayout, maxBatch, windowCap, windowDuration);
    }

    /// @dev Checks every payout, marks its id in the replay bitmap and emits PayoutSettled.
    /// Written in assembly because it is the per-payout hot path: payouts are read straight from
    /// calldata (the ABI decoder has already checked the array lies inside calldata), the current
    /// bitmap word is cached on the stack and written back once per word change, and no memory is
    /// allocated. Reverts with the same custom errors as the Solidity checks would:
    /// InvalidPayee (zero, this contract, or dirty upper address bits), ZeroPayout,
    /// PayoutCapExceeded (gross = net + fee; an overflowing sum reports type(uint256).max),
    /// PayoutAlreadySettled (also for an id repeated inside the batch).
    function _recordPayouts(uint256 batchId, Payout[] calldata payouts, uint256 maxPayout)
        private
        returns (uint256 totalNet, uint256 totalFee)
    {
        assembly {
            let mapSlot := _settledPayouts.slot
            let wordIndex := not(0) // no id maps there (ids >> 8 < 2**248)
            let word := 0
            let wordSlot := 0
            let ptr := payouts.offset
            let end := add(ptr, shl(7, payouts.length))
            for {} lt(ptr, end) { ptr := add(ptr, 0x80) } {
                let id := calldataload(ptr)
                let payee := calldataload(add(ptr, 0x20))
                let net := calldataload(add(ptr, 0x40))
                let fee := calldataload(add(ptr, 0x60))
                if or(or(iszero(payee), eq(payee, address())), shr(160, payee)) {
                    mstore(0x00, 0x3f69f552) // InvalidPayee(uint256,address)
                    mstore(0x20, id)
                    mstore(0x40, payee)
                    revert(0x1c, 0x44)
                }
                if iszero(net) {
                    mstore(0x00, 0x900e28cf) // ZeroPayout(uint256)
                    mstore(0x20, id)
                    revert(0x1c, 0x24)
                }
                let gross := add(net, fee)
                if or(gt(gross, maxPayout), lt(gross, net)) {
                    if lt(gross, net) { gross := not(0) }
                    let m := mload(0x40)
                    mstore(m, 0x1e1db3e0) // PayoutCapExceeded(uint256,uint256,uint256)
                    mstore(add(m, 0x20), id)
                    mstore(add(m, 0x40), gross)
                    mstore(add(m, 0x60), maxPayout)
                    revert(add(m, 0x1c), 0x64)
                }
                let wi := shr(8, id)
                if iszero(eq(wi, wordIndex)) {
                    if iszero(eq(wordIndex, not(0))) { sstore(wordSlot, word) }
                    wordIndex := wi
                    mstore(0x00, wi)
                    mstore(0x20, mapSlot)
                    wordSlot := keccak256(0x00, 0x40)
                    word := sload(wordSlot)
                }
                let mask := shl(and(id, 0xff), 1)
                if and(word, mask) {
                    mstore(0x00, 0x9dbad742) // PayoutAlreadySettled(uint256)
                    mstore(0x20, id)
                    revert(0x1c, 0x24)
                }
                word := or(word, mask)
                // gross <= maxPayout < 2**128 and count <= 1000: the totals cannot overflow
                totalNet := add(totalNet, net)
                totalFee := add(totalFee, fee)
                mstore(0x00, net)
                mstore(0x20, fee)
                // PayoutSettled(uint256 indexed payoutId, uint256 indexed batchId, address indexed payee,
                //               uint256 netAmount, uint256 feeAmount)
                log4(0x00, 0x40, 0x5ea26080db4e57a546bd3bde39877f04221f27cd135c547140004d8ed8874eb9, id, batchId, payee)
            }
            sstore(wordSlot, word)
        }
    }

    /// @dev Pays every payee its net amount (SafeERC20.safeTransfer semantics: revert
    /// data bubbled up, a returned value must be true, no returned value needs code at the token)
    /// without allocating memory per call: the call data is built once at the free memory pointer,
    /// which is not advanced, so a 1000-payout loop does not grow memory.
    function _payAll(address tokenAddr, Payout[] calldata payouts) private {
        assembly {
            let m := mload(0x40)
            mstore(m, 0xa9059cbb00000000000000000000000000000000000000000000000000000000) // transfer(address,uint256)
            let ptr := payouts.offset
            let end := add(ptr, shl(7, payouts.length))
            for {} lt(ptr, end) { ptr := add(ptr, 0x80) } {
                mstore(add(m, 0x04), calldataload(add(ptr, 0x20)))
                mstore(add(m, 0x24), calldataload(add(ptr, 0x40)))
                mstore(0x00, 0)
                if iszero(call(gas(), tokenAddr, 0, m, 0x44, 0x00, 0x20)) {
                    returndatacopy(m, 0, returndatasize())
                    revert(m, returndatasize())
                }
                // a token returning data must return true; one returning nothing must have code
                if iszero(or(and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)), and(iszero(returndatasize()), gt(extcodesize(tokenAddr), 0)))) {
                    mstore(0x00, 0x5274afe7) // SafeERC20FailedOperation(address)
                    mstore(0x20, tokenAddr)
                    revert(0x1c, 0x24)
                }
            }
        }
    }
}
