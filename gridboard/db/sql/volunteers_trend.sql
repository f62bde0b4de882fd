-- volunteers_trend: per calendar month of [$trend_start, $end): active volunteers of $unit, services, hours,
-- points, and volunteers newly registered that month.
WITH reg AS ({registered}),
svc AS (
    SELECT CAST(date_trunc('month', s.started_at) AS DATE) AS month,
           count(DISTINCT s.volunteer_id) AS active, count(*) AS services,
           coalesce(sum(s.hours), 0) AS hours, coalesce(sum(s.points), 0) AS points
    FROM volunteer_services AS s
    JOIN reg ON reg.volunteer_id = s.volunteer_id
    WHERE s.started_at >= $trend_start AND s.started_at < $end
    GROUP BY 1
),
new AS (
    SELECT CAST(date_trunc('month', reg.registered_on) AS DATE) AS month, count(*) AS new_registered
    FROM reg
    WHERE reg.registered_on >= $trend_start
    GROUP BY 1
)
SELECT coalesce(svc.month, new.month) AS month,
       coalesce(svc.active, 0) AS active, coalesce(svc.services, 0) AS services,
       coalesce(svc.hours, 0) AS hours, coalesce(svc.points, 0) AS points,
       coalesce(new.new_registered, 0) AS new_registered
FROM svc
FULL OUTER JOIN new ON new.month = svc.month
ORDER BY month
