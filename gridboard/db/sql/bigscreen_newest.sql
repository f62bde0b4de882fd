-- bigscreen_newest: time of the newest case reported in [$since, $as_of] anywhere in the database
-- (NULL when none): how fresh the data is. A narrow $since lets zone maps skip old row groups.
SELECT max(reported_at) AS newest
FROM cases
WHERE reported_at >= $since
  AND reported_at <= $as_of
