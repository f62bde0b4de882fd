-- feed_to_close: cases in progress (responded, not closed) reported in [$since, $as_of], oldest first
SELECT case_id
FROM cases
WHERE status = 'in_progress' AND closed_at IS NULL AND responded_at IS NOT NULL
  AND reported_at >= $since AND reported_at <= $as_of
ORDER BY reported_at, case_id
LIMIT $n
