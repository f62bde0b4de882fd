-- volunteers_leaderboard: the $limit volunteers of $unit with most points from services started in
-- [$start, $end) (ties: more cumulative points, then id), with cumulative hours/points before $end and star.
WITH reg AS ({registered}),
period AS (
    SELECT s.volunteer_id, count(*) AS services, coalesce(sum(s.hours), 0) AS hours,
           coalesce(sum(s.points), 0) AS points
    FROM volunteer_services AS s
    JOIN reg ON reg.volunteer_id = s.volunteer_id
    WHERE s.started_at >= $start AND s.started_at < $end
    GROUP BY s.volunteer_id
),
cum AS (
    SELECT s.volunteer_id, coalesce(sum(s.hours), 0) AS total_hours, coalesce(sum(s.points), 0) AS total_points
    FROM volunteer_services AS s
    JOIN period ON period.volunteer_id = s.volunteer_id
    WHERE s.started_at < $end
    GROUP BY s.volunteer_id
),
edges AS (SELECT unnest($edges) AS edge),
ranked AS (
    SELECT reg.volunteer_id, reg.name, reg.unit_id, reg.team, reg.is_party_member,
           period.services, period.hours, period.points, cum.total_hours, cum.total_points
    FROM period
    JOIN reg ON reg.volunteer_id = period.volunteer_id
    JOIN cum ON cum.volunteer_id = period.volunteer_id
    ORDER BY period.points DESC, cum.total_points DESC, reg.volunteer_id
    LIMIT $limit
)
SELECT ranked.*, u.name AS unit_name,
       (SELECT count(*) FROM edges WHERE edges.edge <= ranked.total_hours) AS star
FROM ranked
JOIN units AS u ON u.unit_id = ranked.unit_id
ORDER BY ranked.points DESC, ranked.total_points DESC, ranked.volunteer_id
