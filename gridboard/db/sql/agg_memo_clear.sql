-- agg_memo_clear: drop the memoised values of every other data version (the writer, after marking).
DELETE FROM agg_memo WHERE mark <> $mark
