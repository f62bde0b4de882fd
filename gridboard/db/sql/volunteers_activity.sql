-- volunteers_activity: per activity type, services started in [$start, $end) by the volunteers of $unit:
-- services, distinct volunteers, hours and points (most hours first).
WITH reg AS ({registered})
SELECT s.activity_type, count(*) AS services, count(DISTINCT s.volunteer_id) AS volunteers,
       coalesce(sum(s.hours), 0) AS hours, coalesce(sum(s.points), 0) AS points
FROM volunteer_services AS s
JOIN reg ON reg.volunteer_id = s.volunteer_id
WHERE s.started_at >= $start AND s.started_at < $end
GROUP BY s.activity_type
ORDER BY hours DESC, services DESC, s.activity_type NULLS LAST
