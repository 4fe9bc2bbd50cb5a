-- V8's comment was reworded after databases had applied it (it pointed at a benchmark folder since renamed). Flyway
-- checks every applied migration's checksum, so a database that applied the old wording is told the new one: the
-- schema is the same, only the comment differs. Runs before every validation; changes nothing a second time.
DO $$
BEGIN
    IF to_regclass('flyway_schema_history') IS NOT NULL THEN
        UPDATE flyway_schema_history SET checksum = 478843457 WHERE version = '8' AND checksum = -927119970;
    END IF;
END $$;
