-- feed_rhythm: the county's daily rhythm, cases per hour of day on an average day of [$since, $until)
SELECT hour(reported_at) AS hour, count(*) / $days AS per_hour
FROM cases
WHERE reported_at >= $since AND reported_at < $until AND status <> 'cancelled'
GROUP BY ALL
ORDER BY hour
