-- The fee schedules and limit sets are append-only (a new version is a new row; V4 refuses UPDATE and
-- DELETE): they refuse TRUNCATE too, as the audit log and the ledger do.
CREATE TRIGGER fee_schedules_no_truncate BEFORE TRUNCATE ON fee_schedules
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();
CREATE TRIGGER limit_sets_no_truncate BEFORE TRUNCATE ON limit_sets
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();
