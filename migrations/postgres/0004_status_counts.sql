-- People by status, kept by a trigger inside the transaction that changes a person (as
-- migrations/sqlite/0004). On SQLite one writer makes a single row per (list, status)
-- exact; here, every signup on every node would wait for that row's lock until the
-- previous signup committed. So each count is striped over 16 slots, picked by the
-- backend's process id (one connection always writes the same slot); a count is the sum
-- of its slots, still exact, since every change is in the transaction that makes it.
CREATE TABLE status_counts (
    list   TEXT    NOT NULL,
    status TEXT    NOT NULL,
    slot   INTEGER NOT NULL,
    people BIGINT  NOT NULL,
    PRIMARY KEY (list, status, slot)
);

CREATE FUNCTION quietlist_count_status() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    my_slot INTEGER := pg_backend_pid() % 16;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO status_counts AS c (list, status, slot, people)
            VALUES (OLD.list, OLD.status, my_slot, -1)
            ON CONFLICT (list, status, slot) DO UPDATE SET people = c.people - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO status_counts AS c (list, status, slot, people)
            VALUES (NEW.list, NEW.status, my_slot, 1)
            ON CONFLICT (list, status, slot) DO UPDATE SET people = c.people + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER subscribers_counted_on_insert AFTER INSERT ON subscribers
    FOR EACH ROW EXECUTE FUNCTION quietlist_count_status();
CREATE TRIGGER subscribers_counted_on_delete AFTER DELETE ON subscribers
    FOR EACH ROW EXECUTE FUNCTION quietlist_count_status();
CREATE TRIGGER subscribers_counted_on_update AFTER UPDATE OF list, status ON subscribers
    FOR EACH ROW WHEN (OLD.list IS DISTINCT FROM NEW.list OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION quietlist_count_status();
