-- feed_to_respond: open cases not yet responded to, reported in [$since, $as_of], oldest first
SELECT case_id
FROM cases
WHERE status = 'open' AND responded_at IS NULL AND reported_at >= $since AND reported_at <= $as_of
ORDER BY reported_at, case_id
LIMIT $n
