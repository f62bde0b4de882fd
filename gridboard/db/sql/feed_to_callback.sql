-- feed_to_callback: closed cases without a callback, closed in [$since, $as_of], earliest closed first
SELECT case_id
FROM cases
WHERE status = 'closed' AND callback_at IS NULL AND satisfaction IS NULL
  AND closed_at >= $since AND closed_at <= $as_of
ORDER BY closed_at, case_id
LIMIT $n
