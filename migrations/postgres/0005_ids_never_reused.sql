-- On SQLite this migration rebuilds `subscribers` with AUTOINCREMENT so that an erased
-- person's id (which is in every link they were sent) is never handed to someone else.
-- Identity columns (0001) never hand out a number twice: nothing to do here. The number
-- is kept so that both trees count the same.
SELECT 1;
