-- volunteers_summary: one row of headline counts for $unit: registered, party members, new registrations,
-- active volunteers (>= 1 service started in [$start, $end)), their services, hours and points.
-- Services count for the volunteer's own unit (where they are registered), not where they served.
WITH reg AS ({registered}),
svc AS (
    SELECT s.volunteer_id, s.hours, s.points
    FROM volunteer_services AS s
    JOIN reg ON reg.volunteer_id = s.volunteer_id
    WHERE s.started_at >= $start AND s.started_at < $end
),
act AS (SELECT DISTINCT volunteer_id FROM svc)
SELECT
    (SELECT count(*) FROM reg) AS registered,
    (SELECT count(*) FROM reg WHERE reg.is_party_member) AS party_members,
    (SELECT count(*) FROM reg WHERE reg.registered_on >= $start) AS new_registered,
    (SELECT count(*) FROM act) AS active,
    (SELECT count(*) FROM act JOIN reg ON reg.volunteer_id = act.volunteer_id WHERE reg.is_party_member) AS party_active,
    (SELECT count(*) FROM svc) AS services,
    (SELECT coalesce(sum(svc.hours), 0) FROM svc) AS hours,
    (SELECT coalesce(sum(svc.points), 0) FROM svc) AS points
