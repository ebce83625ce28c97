// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title SettlementEscrow
/// @notice Holds one ERC-20 token for funders (integrators) and pays out batches of cash-outs.
/// Funders deposit into their own balance; withdrawing takes a notice period (at least
/// MIN_WITHDRAWAL_DELAY) so that funds that cash-outs were promised against cannot vanish while a
/// batch is in flight. A settler pays a batch of payouts from one funder's balance in one call;
/// every payout id can be settled once.
/// @dev Last-line limits (per payout, per batch, per fixed window, all on gross = net + fee) bound
/// the damage a stolen settler key can do; `settlementCapacity`, `windowRemaining`,
/// `payoutsSettled` and `funderBalance` let the service refuse to send a batch that would revert.
/// Fee-on-transfer and rebasing tokens are not supported.
///
/// Administration: one default admin (OpenZeppelin AccessControlDefaultAdminRules). Handing it over
/// takes two steps, `beginDefaultAdminTransfer` by the admin and `acceptDefaultAdminTransfer` by the
/// new admin after `defaultAdminDelay()` (at most MAX_ADMIN_DELAY); the admin can cancel in
/// between. The default admin grants and revokes SETTLER_ROLE, PAUSER_ROLE and ANCHOR_ROLE.
///
/// Pause policy: `pause` stops `settleBatch`, `deposit` and `depositFor` (no new money moves in
/// or out through the settlement path while an incident is investigated). Funders'
/// `requestWithdrawal`, `cancelWithdrawal` and `withdraw` keep working while paused: the funds
/// belong to the funders, the notice period still applies, and a pause (or a stolen pauser key)
/// must not be able to lock them in the contract indefinitely. `anchor` also keeps working so the
/// audit trail continues during an incident.
contract SettlementEscrow is AccessControlDefaultAdminRules, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice One cash-out inside a batch. `netAmount` goes to `payee`, `feeAmount` to the treasury.
    struct Payout {
        uint256 payoutId;
        address payee;
        uint256 netAmount;
        uint256 feeAmount;
    }

    /// @notice What a batch settled in the current block would be checked against (see `settlementCapacity`).
    /// A batch of n payouts with gross amounts g_i (net + fee) and total T passes the caps iff
    /// `!paused`, 1 <= n <= `maxBatchPayouts`, every g_i <= `maxPayoutAmount`, T <= `maxBatchAmount`
    /// and T <= `windowRemaining`; it also needs T <= `funderBalance(funder)` and unused ids.
    struct SettlementCapacity {
        bool paused;
        uint256 maxBatchPayouts;
        uint256 maxPayoutAmount;
        uint256 maxBatchAmount;
        uint256 windowCapAmount;
        uint256 windowDurationSeconds;
        /// @dev Start of the window a batch in this block counts in (this block's timestamp if the
        /// last window has ended: the batch would open a new one).
        uint256 windowStart;
        /// @dev Gross volume already settled in that window.
        uint256 windowVolume;
        /// @dev windowCapAmount - windowVolume, or 0 if a lowered cap is already used up.
        uint256 windowRemaining;
    }

    /// @notice Role allowed to call `settleBatch`.
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    /// @notice Role allowed to call `pause` and `unpause`.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Role allowed to call `anchor`.
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");
    /// @notice Most payouts accepted in one `settleBatch` call (and ids in one `payoutsSettled` query).
    uint256 public constant MAX_BATCH_PAYOUTS = 1000;
    /// @notice Lower bound for the withdrawal notice period: longer than a batch can stay in flight
    /// (signed, broadcast, replaced when stuck, confirmed), so a funder cannot pull the funds a
    /// submitted batch was promised against.
    uint256 public constant MIN_WITHDRAWAL_DELAY = 1 hours;
    /// @notice Upper bound for the withdrawal notice period.
    uint256 public constant MAX_WITHDRAWAL_DELAY = 30 days;
    /// @notice Upper bound for the default-admin transfer delay (constructor and `changeDefaultAdminDelay`),
    /// so a mistaken unit (milliseconds for seconds) cannot lock the admin role for years.
    uint256 public constant MAX_ADMIN_DELAY = 30 days;

    // ---------------------------------------------------------------- events

    /// @notice `amount` from `from` was credited to `funder`'s available balance.
    event Deposited(address indexed funder, address indexed from, uint256 amount);
    /// @notice `funder` moved `amount` to its pending withdrawal; all of it is withdrawable from `availableAt`.
    event WithdrawalRequested(address indexed funder, uint256 amount, uint256 availableAt);
    /// @notice `funder`'s whole pending withdrawal (`amount`) went back to its available balance.
    event WithdrawalCancelled(address indexed funder, uint256 amount);
    /// @notice `funder` withdrew its pending `amount`.
    event Withdrawn(address indexed funder, uint256 amount);
    /// @notice One payout of batch `batchId` was paid.
    event PayoutSettled(
        uint256 indexed payoutId, uint256 indexed batchId, address indexed payee, uint256 netAmount, uint256 feeAmount
    );
    /// @notice Batch `batchId` of `count` payouts was paid from `funder`'s balance.
    event BatchSettled(
        uint256 indexed batchId, address indexed funder, uint256 count, uint256 totalNet, uint256 totalFee
    );
    /// @notice The audit log's head `root` at sequence number `seq` was anchored.
    event AuditAnchored(uint256 indexed seq, bytes32 root);
    /// @notice The fee recipient changed.
    event TreasuryChanged(address indexed previousTreasury, address indexed newTreasury);
    /// @notice The caps and the window length changed.
    event LimitsChanged(
        uint256 maxPayoutAmount, uint256 maxBatchAmount, uint256 windowCapAmount, uint256 windowDurationSeconds
    );
    /// @notice The withdrawal notice period for future requests changed.
    event WithdrawalDelayChanged(uint256 previousDelay, uint256 newDelay);

    // ---------------------------------------------------------------- errors

    /// @notice The token, treasury or funder address is zero.
    error ZeroAddress();
    /// @notice An amount that must be positive is zero.
    error ZeroAmount();
    /// @notice `settleBatch` got no payouts.
    error EmptyBatch();
    /// @notice More than `max` payouts (or ids) in one call.
    error BatchTooLarge(uint256 count, uint256 max);
    /// @notice `batchId` was settled before.
    error BatchAlreadySettled(uint256 batchId);
    /// @notice `payoutId` was settled before, or repeats inside the batch.
    error PayoutAlreadySettled(uint256 payoutId);
    /// @notice The payee is zero, this contract, or not a clean address.
    error InvalidPayee(uint256 payoutId, address payee);
    /// @notice A payout's net amount is zero.
    error ZeroPayout(uint256 payoutId);
    /// @notice A payout's gross `amount` is over `cap` (type(uint256).max when net + fee overflows).
    error PayoutCapExceeded(uint256 payoutId, uint256 amount, uint256 cap);
    /// @notice A batch's gross `amount` is over `cap`.
    error BatchCapExceeded(uint256 amount, uint256 cap);
    /// @notice The window's gross volume would become `volumeAfter`, over `cap`.
    error WindowCapExceeded(uint256 volumeAfter, uint256 cap);
    /// @notice `funder`'s available + pending `balance` is under the batch's `needed` gross total.
    error InsufficientFunderBalance(address funder, uint256 balance, uint256 needed);
    /// @notice `funder` asked to withdraw more than its `available` balance.
    error InsufficientAvailableBalance(address funder, uint256 available, uint256 requested);
    /// @notice `funder` has no pending withdrawal.
    error NoPendingWithdrawal(address funder);
    /// @notice The pending withdrawal's notice period runs until `availableAt`.
    error WithdrawalNotReady(uint256 availableAt, uint256 nowTimestamp);
    /// @notice `seq` is not above the last anchored sequence number.
    error AnchorSeqNotIncreasing(uint256 seq, uint256 lastSeq);
    /// @notice The treasury cannot be this contract.
    error InvalidTreasury(address treasury);
    /// @notice The window duration is zero.
    error InvalidLimits();
    /// @notice The withdrawal notice period `delay` is over `max`.
    error WithdrawalDelayTooLong(uint256 delay, uint256 max);
    /// @notice The withdrawal notice period `delay` is under `min`.
    error WithdrawalDelayTooShort(uint256 delay, uint256 min);
    /// @notice The default-admin transfer delay `delay` is over `max`.
    error AdminDelayTooLong(uint256 delay, uint256 max);

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
    /// @param admin The default admin (DEFAULT_ADMIN_ROLE) only; it grants the other roles afterwards.
    /// @param adminDelaySeconds How long a begun default-admin transfer waits before it can be
    /// accepted (at most MAX_ADMIN_DELAY; must fit in 48 bits).
    /// @param treasury_ Receives the fees of every batch.
    /// @param withdrawalDelaySeconds Notice period for withdrawals (MIN_WITHDRAWAL_DELAY..MAX_WITHDRAWAL_DELAY).
    /// @param maxPayoutAmount_ Cap on one payout's gross amount (net + fee); fits in 128 bits.
    /// @param maxBatchAmount_ Cap on one batch's gross amount; fits in 128 bits.
    /// @param windowCapAmount_ Cap on the gross volume settled in one window; fits in 128 bits.
    /// @param windowDurationSeconds_ Length of a window (> 0, fits in 64 bits; a new window starts at
    /// the first batch after it ends).
    constructor(
        address token_,
        address admin,
        uint256 adminDelaySeconds,
        address treasury_,
        uint256 withdrawalDelaySeconds,
        uint256 maxPayoutAmount_,
        uint256 maxBatchAmount_,
        uint256 windowCapAmount_,
        uint256 windowDurationSeconds_
    ) AccessControlDefaultAdminRules(adminDelaySeconds.toUint48(), admin) {
        if (token_ == address(0)) revert ZeroAddress();
        _checkAdminDelay(adminDelaySeconds);
        _token = IERC20(token_);
        _setTreasury(treasury_);
        _setWithdrawalDelay(withdrawalDelaySeconds);
        _setLimits(maxPayoutAmount_, maxBatchAmount_, windowCapAmount_, windowDurationSeconds_);
    }

    // ---------------------------------------------------------------- funders

    /// @notice Deposits `amount` from the caller into the caller's available balance.
    /// @dev Needs an allowance for this contract. Paused: reverts. Emits Deposited.
    /// @param amount Amount in token base units (> 0).
    function deposit(uint256 amount) external whenNotPaused nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @notice Deposits `amount` from the caller into `funder`'s available balance.
    /// @dev Needs an allowance for this contract. Paused: reverts. Emits Deposited.
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
    /// `settleBatch` during the notice period, after the available balance. The pending amount is
    /// stored in 192 bits: a request that would take it past type(uint192).max reverts with
    /// SafeCast's SafeCastOverflowedUintDowncast instead of wrapping. Emits WithdrawalRequested.
    /// @param amount Amount to move (> 0, at most the available balance).
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 available = _available[msg.sender];
        if (amount > available) revert InsufficientAvailableBalance(msg.sender, available, amount);
        PendingWithdrawal storage p = _pending[msg.sender];
        uint256 availableAt = block.timestamp + _withdrawalDelay;
        unchecked {
            // cannot underflow: amount <= available was checked just above
            _available[msg.sender] = available - amount;
        }
        p.amount = (uint256(p.amount) + amount).toUint192();
        p.availableAt = availableAt.toUint64();
        emit WithdrawalRequested(msg.sender, amount, availableAt);
    }

    /// @notice Pays the caller's whole pending withdrawal once its notice period has passed.
    /// @dev Works while paused (see the pause policy above). Emits Withdrawn.
    function withdraw() external nonReentrant {
        PendingWithdrawal memory p = _pending[msg.sender];
        if (p.amount == 0) revert NoPendingWithdrawal(msg.sender);
        if (block.timestamp < p.availableAt) revert WithdrawalNotReady(p.availableAt, block.timestamp);
        delete _pending[msg.sender];
        emit Withdrawn(msg.sender, p.amount);
        _token.safeTransfer(msg.sender, p.amount);
    }

    /// @notice Moves the caller's whole pending withdrawal back to its available balance.
    /// @dev Works while paused (see the pause policy above). Emits WithdrawalCancelled.
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
    /// before (or repeats inside the batch), or a cap would be exceeded (`settlementCapacity`
    /// tells in advance). Emits one PayoutSettled per payout and one BatchSettled. Checks and
    /// effects (replay bitmaps, caps, window volume, funder balance) all happen before the first
    /// token transfer.
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
            // cannot overflow: _recordPayouts checked net + fee <= maxPayoutAmount < 2**128 for
            // every payout and count <= 1000, so totalNet + totalFee < 1000 * 2**128 < 2**138
            total = totalNet + totalFee;
        }
        if (total > limits.maxBatchAmount) revert BatchCapExceeded(total, limits.maxBatchAmount);

        {
            (uint256 start, uint256 volume) = _currentWindow(limits.windowDurationSeconds);
            uint256 volumeAfter = volume + total;
            if (volumeAfter > limits.windowCapAmount) revert WindowCapExceeded(volumeAfter, limits.windowCapAmount);
            // both narrowed before either is written, so the packed slot is written once
            uint64 start64 = start.toUint64();
            uint192 volume192 = volumeAfter.toUint192();
            _windowStart = start64;
            _windowVolume = volume192;
        }

        {
            uint256 available = _available[funder];
            if (available >= total) {
                unchecked {
                    // cannot underflow: available >= total is the branch condition
                    _available[funder] = available - total;
                }
            } else {
                PendingWithdrawal storage pw = _pending[funder];
                uint256 pending = pw.amount;
                if (available + pending < total) revert InsufficientFunderBalance(funder, available + pending, total);
                if (available != 0) _available[funder] = 0;
                unchecked {
                    // cannot underflow: available < total (this branch) and total <= available + pending
                    // (checked above), so 0 < total - available <= pending
                    pw.amount = (pending - (total - available)).toUint192();
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
    /// Emits AuditAnchored.
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
    /// @dev DEFAULT_ADMIN_ROLE. Amounts must fit in 128 bits and the duration in 64 bits (else
    /// SafeCast's SafeCastOverflowedUintDowncast), the duration must be > 0 (else InvalidLimits).
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
    /// @dev DEFAULT_ADMIN_ROLE; MIN_WITHDRAWAL_DELAY..MAX_WITHDRAWAL_DELAY. Pending requests keep
    /// their time. Emits WithdrawalDelayChanged.
    /// @param newDelay Notice period in seconds.
    function setWithdrawalDelay(uint256 newDelay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWithdrawalDelay(newDelay);
    }

    /// @notice Schedules a change of the default-admin transfer delay (see AccessControlDefaultAdminRules).
    /// @dev DEFAULT_ADMIN_ROLE; at most MAX_ADMIN_DELAY. Emits DefaultAdminDelayChangeScheduled
    /// (and DefaultAdminDelayChangeCanceled when it replaces a scheduled change).
    /// @param newDelay New delay in seconds.
    function changeDefaultAdminDelay(uint48 newDelay) public override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkAdminDelay(newDelay);
        _changeDefaultAdminDelay(newDelay);
    }

    // ---------------------------------------------------------------- views

    /// @notice The token held and paid out.
    /// @return The token's address.
    function token() external view returns (address) {
        return address(_token);
    }

    /// @notice The address that receives batch fees.
    /// @return The treasury's address.
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @notice The withdrawal notice period in seconds.
    /// @return The delay applied to the next `requestWithdrawal`.
    function withdrawalDelay() external view returns (uint256) {
        return _withdrawalDelay;
    }

    /// @notice `funder`'s balance available for settlement and withdrawal requests.
    /// @param funder The funder.
    /// @return The available balance in token base units.
    function availableBalance(address funder) external view returns (uint256) {
        return _available[funder];
    }

    /// @notice `funder`'s pending withdrawal and when it becomes withdrawable.
    /// @param funder The funder.
    /// @return amount The pending amount (0 if none).
    /// @return availableAt When `withdraw` can pay it (0 if none).
    function pendingWithdrawal(address funder) external view returns (uint256 amount, uint256 availableAt) {
        PendingWithdrawal memory p = _pending[funder];
        return (p.amount, p.availableAt);
    }

    /// @notice `funder`'s total balance: available + pending withdrawal (what `settleBatch` can draw).
    /// @param funder The funder.
    /// @return The balance in token base units.
    function funderBalance(address funder) external view returns (uint256) {
        return _available[funder] + _pending[funder].amount;
    }

    /// @notice Whether `payoutId` has been settled.
    /// @param payoutId The payout id.
    /// @return True once a batch containing it has been settled.
    function isPayoutSettled(uint256 payoutId) external view returns (bool) {
        return _isPayoutSettled(payoutId);
    }

    /// @notice Which of `payoutIds` have been settled, in one call (for checking a planned batch).
    /// @dev At most MAX_BATCH_PAYOUTS ids (else BatchTooLarge).
    /// @param payoutIds The ids to look up.
    /// @return settled settled[i] is whether payoutIds[i] has been settled.
    function payoutsSettled(uint256[] calldata payoutIds) external view returns (bool[] memory settled) {
        uint256 n = payoutIds.length;
        if (n > MAX_BATCH_PAYOUTS) revert BatchTooLarge(n, MAX_BATCH_PAYOUTS);
        settled = new bool[](n);
        for (uint256 i; i < n; ++i) {
            settled[i] = _isPayoutSettled(payoutIds[i]);
        }
    }

    /// @notice Whether `batchId` has been settled.
    /// @param batchId The batch id.
    /// @return True once the batch has been settled.
    function isBatchSettled(uint256 batchId) external view returns (bool) {
        return _settledBatches[batchId >> 8] & (1 << (batchId & 0xff)) != 0;
    }

    /// @notice The highest anchored audit sequence number (0 before the first anchor).
    /// @return The sequence number.
    function lastAnchoredSeq() external view returns (uint256) {
        return _lastAnchoredSeq;
    }

    /// @notice Cap on one payout's gross amount.
    /// @return The cap in token base units.
    function maxPayoutAmount() external view returns (uint256) {
        return _limits.maxPayoutAmount;
    }

    /// @notice Cap on one batch's gross amount.
    /// @return The cap in token base units.
    function maxBatchAmount() external view returns (uint256) {
        return _limits.maxBatchAmount;
    }

    /// @notice Cap on the gross volume of one window.
    /// @return The cap in token base units.
    function windowCapAmount() external view returns (uint256) {
        return _limits.windowCapAmount;
    }

    /// @notice Window length in seconds.
    /// @return The length.
    function windowDurationSeconds() external view returns (uint256) {
        return _limits.windowDurationSeconds;
    }

    /// @notice Start of the last window a batch was settled in (0 before the first batch).
    /// @return The timestamp.
    function windowStart() external view returns (uint256) {
        return _windowStart;
    }

    /// @notice Gross volume settled in the current window (0 if that window has ended).
    /// @return The volume in token base units.
    function windowVolume() external view returns (uint256) {
        (, uint256 volume) = _currentWindow(_limits.windowDurationSeconds);
        return volume;
    }

    /// @notice Gross amount batches can still settle in the current window, as of this block: the
    /// whole cap once the window has ended (the next batch opens a new one), 0 when a cap lowered
    /// by `setLimits` is already used up. A batch whose gross total is above it reverts with
    /// WindowCapExceeded.
    /// @return The remaining capacity in token base units.
    function windowRemaining() external view returns (uint256) {
        Limits memory limits = _limits;
        (, uint256 volume) = _currentWindow(limits.windowDurationSeconds);
        return _remaining(limits.windowCapAmount, volume);
    }

    /// @notice Everything a batch settled in this block is checked against except the funder's
    /// balance (`funderBalance`) and the ids (`payoutsSettled`, `isBatchSettled`), in one call.
    /// @dev See SettlementCapacity for the rule. The window fields are those `settleBatch` would use
    /// at this block's timestamp.
    /// @return c The pause flag, the caps and the current window.
    function settlementCapacity() external view returns (SettlementCapacity memory c) {
        Limits memory limits = _limits;
        (uint256 start, uint256 volume) = _currentWindow(limits.windowDurationSeconds);
        c.paused = paused();
        c.maxBatchPayouts = MAX_BATCH_PAYOUTS;
        c.maxPayoutAmount = limits.maxPayoutAmount;
        c.maxBatchAmount = limits.maxBatchAmount;
        c.windowCapAmount = limits.windowCapAmount;
        c.windowDurationSeconds = limits.windowDurationSeconds;
        c.windowStart = start;
        c.windowVolume = volume;
        c.windowRemaining = _remaining(limits.windowCapAmount, volume);
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
        if (newDelay < MIN_WITHDRAWAL_DELAY) revert WithdrawalDelayTooShort(newDelay, MIN_WITHDRAWAL_DELAY);
        if (newDelay > MAX_WITHDRAWAL_DELAY) revert WithdrawalDelayTooLong(newDelay, MAX_WITHDRAWAL_DELAY);
        emit WithdrawalDelayChanged(_withdrawalDelay, newDelay);
        _withdrawalDelay = newDelay;
    }

    function _checkAdminDelay(uint256 delay) private pure {
        if (delay > MAX_ADMIN_DELAY) revert AdminDelayTooLong(delay, MAX_ADMIN_DELAY);
    }

    /// @dev Narrowed one by one, in argument order, so the first out-of-range value is the one
    /// SafeCast reports.
    function _setLimits(uint256 maxPayout, uint256 maxBatch, uint256 windowCap, uint256 windowDuration) private {
        if (windowDuration == 0) revert InvalidLimits();
        uint128 maxPayout128 = maxPayout.toUint128();
        uint128 maxBatch128 = maxBatch.toUint128();
        uint128 windowCap128 = windowCap.toUint128();
        uint64 windowDuration64 = windowDuration.toUint64();
        _limits = Limits(maxPayout128, maxBatch128, windowCap128, windowDuration64);
        emit LimitsChanged(maxPayout, maxBatch, windowCap, windowDuration);
    }

    /// @dev The window a batch in this block counts in: the stored one while it lasts, else a new
    /// one starting now with no volume. `settleBatch` and the views share it so they agree.
    function _currentWindow(uint256 duration) private view returns (uint256 start, uint256 volume) {
        start = _windowStart;
        volume = _windowVolume;
        // checked uint256 sum of two values below 2**64: cannot overflow
        if (block.timestamp >= start + duration) {
            start = block.timestamp;
            volume = 0;
        }
    }

    function _remaining(uint256 cap, uint256 volume) private pure returns (uint256) {
        return cap > volume ? cap - volume : 0;
    }

    function _isPayoutSettled(uint256 payoutId) private view returns (bool) {
        return _settledPayouts[payoutId >> 8] & (1 << (payoutId & 0xff)) != 0;
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
        // Assembly arithmetic does not check for overflow; each operation below says why it cannot.
        assembly {
            let mapSlot := _settledPayouts.slot
            let wordIndex := not(0) // no id maps there (ids >> 8 < 2**248)
            let word := 0
            let wordSlot := 0
            let ptr := payouts.offset
            // offset + 128 * length: the ABI decoder has checked the array lies inside calldata
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
                // may wrap; a wrapped sum is smaller than net, which is caught and reported right here
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
        // Assembly arithmetic does not check for overflow: only calldata offsets are computed here.
        assembly {
            let m := mload(0x40)
            mstore(m, 0xa9059cbb00000000000000000000000000000000000000000000000000000000) // transfer(address,uint256)
            let ptr := payouts.offset
            // same bounds as in _recordPayouts: the array lies inside calldata
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
