-- The reconciler finds the cash-outs of a range's PayoutSettled logs by payout id (one query per range):
-- without an index that read scanned every cash-out ever made.
CREATE INDEX cashouts_payout_idx ON cashouts (payout_id) WHERE payout_id IS NOT NULL;
