-- Reconcile ingestion (issue 14): settling a range's cash-outs wrote every cash-out row into eleven
-- indexes, each SETTLE entry into three and each of its five postings into three. Indexes that no
-- query needs (or that another index already serves) go; the checks stay (payout id unique, a hold
-- ends once: ledger_entries_cashout_final_key).

-- The same column as the UNIQUE constraint's index cashouts_payout_id_key (which serves payout_id = ANY(?)).
DROP INDEX cashouts_payout_idx;
-- A prefix of cashouts_account_created_idx (account_id, created_at DESC), which serves every read by
-- account and the accounts foreign key.
DROP INDEX cashouts_account_idx;
-- One index for an integrator's cash-outs: the list (newest first, keyset on created_at, id) and the
-- day's volume (index-only: gross and status included) used two with the same leading columns.
DROP INDEX cashouts_integrator_day_idx;
DROP INDEX cashouts_integrator_created_idx;
CREATE INDEX cashouts_integrator_created_idx ON cashouts (integrator_id, created_at DESC, id DESC)
    INCLUDE (gross_base_units, status);
-- Status reads look for open cash-outs (the batcher's claim, a batch's BATCHED/SUBMITTED ones, stale
-- submissions, the gauges); a final status (SETTLED, FAILED, REJECTED: nearly every row) was only an
-- index write per transition. Partial: a cash-out that leaves the open statuses gets no entry.
DROP INDEX cashouts_status_idx;
CREATE INDEX cashouts_open_status_idx ON cashouts (status, created_at, id)
    WHERE status IN ('REQUESTED', 'QUEUED', 'HELD', 'BATCHED', 'SUBMITTED', 'CONFIRMED');

-- The entries of a cash-out are read only as its final entry (SETTLE or RELEASE), which the unique
-- ledger_entries_cashout_final_key serves.
DROP INDEX ledger_entries_cashout_idx;
-- Postings are read by account (the credits' partial index of V18) or all together (the ledger
-- check joins every posting to its entry by hash); no query looks up one entry's postings by index.
DROP INDEX ledger_postings_entry_idx;

-- Balance rows change in place at every post: room on their page lets the update be HOT (the key
-- is the only indexed column and never changes), without a new primary-key entry per update.
ALTER TABLE ledger_balances SET (fillfactor = 80);

-- Stored logs are read by block (a reorg's delete: chain_logs_block_idx) and by key (the insert's
-- ON CONFLICT); none by payout id.
DROP INDEX chain_logs_payout_idx;
