-- agg_bin: the histogram bin of a duration value v: floor(log base 1.01 of v) for v > 0 (bins 1 % wide),
-- one bin for every value <= 0 (fragment).
CASE WHEN v > 0 THEN CAST(floor(ln(v) / ln(1.01)) AS INTEGER) ELSE -2147483647 END
