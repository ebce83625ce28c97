-- A batch's cash-outs (its calldata signed, its broadcast recorded, a revert, a requeue, the batches
-- API) were found through the open-status index, visiting the row of every open cash-out of that
-- status (a drain's settlement benchmark: 51 ms to record one 500-payout batch while thousands were
-- BATCHED), or by scanning the table (batch_id = ANY(?) has no status to narrow it). Partial: a
-- cash-out never batched gets no entry.
CREATE INDEX cashouts_batch_idx ON cashouts (batch_id, id) WHERE batch_id IS NOT NULL;
