-- A credit request was one entry per item: an entries row with the item's reference (its key and the
-- unique reference index) and two postings (the user's available balance up, the integrator's funding
-- down), three rows and six index entries per item. A request (or a writer's batch of requests) is now
-- one entry per request: one posting per credited account with the sum of its items, one funding
-- posting with the request's total. Each item keeps its own row here, where the primary key holds
-- every reference unique per integrator, and which names the account and amount a reference credited
-- and the entry that carries it (the ledger check compares the two).
CREATE TABLE ledger_credit_items (
    integrator_id     text        NOT NULL,
    reference         text        NOT NULL,
    entry_id          text        NOT NULL,
    account_id        text        NOT NULL,
    amount_base_units bigint      NOT NULL CHECK (amount_base_units > 0),
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (integrator_id, reference)
);

-- The items of the entries written before: one entry each, its reference, its user posting.
INSERT INTO ledger_credit_items (integrator_id, reference, entry_id, account_id, amount_base_units, created_at)
SELECT e.integrator_id, e.reference, e.id, b.owner_id, p.amount_base_units, e.created_at
  FROM ledger_entries e
  JOIN ledger_postings p ON p.entry_id = e.id
  JOIN ledger_balances b ON b.ledger_account = p.ledger_account AND b.kind = 'USER_AVAILABLE'
 WHERE e.kind = 'CREDIT' AND e.reference IS NOT NULL;

-- The references live in ledger_credit_items now; entries written before keep theirs as history.
DROP INDEX ledger_entries_reference_key;

CREATE TRIGGER ledger_credit_items_immutable BEFORE UPDATE OR DELETE ON ledger_credit_items
    FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
CREATE TRIGGER ledger_credit_items_no_truncate BEFORE TRUNCATE ON ledger_credit_items
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();
