-- server_newest_case: time of the newest case reported anywhere in the database (NULL when none)
SELECT max(reported_at) AS newest
FROM cases
