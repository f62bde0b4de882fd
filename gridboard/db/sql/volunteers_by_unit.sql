-- volunteers_by_unit: per group unit of {scope} (unit_id, grp_unit): households (own, else the sum over its
-- grids), registered volunteers and party members before $end, active volunteers, hours and points of services
-- started in [$start, $end) (services count for the volunteer's own unit).
WITH scope AS ({scope}),
grp AS (
    SELECT s.grp_unit, sum(u.households) FILTER (WHERE u.level = 'grid') AS grid_households
    FROM scope AS s
    JOIN units AS u ON u.unit_id = s.unit_id
    GROUP BY s.grp_unit
),
reg AS (
    SELECT s.grp_unit, v.volunteer_id, v.is_party_member
    FROM volunteers AS v
    JOIN scope AS s ON s.unit_id = v.unit_id
    WHERE v.registered_on IS NULL OR v.registered_on < $end
),
reg_n AS (
    SELECT grp_unit, count(*) AS registered, count(*) FILTER (WHERE is_party_member) AS party_members
    FROM reg
    GROUP BY grp_unit
),
act AS (
    SELECT reg.grp_unit, count(DISTINCT reg.volunteer_id) AS active, count(*) AS services,
           coalesce(sum(vs.hours), 0) AS hours, coalesce(sum(vs.points), 0) AS points
    FROM reg
    JOIN volunteer_services AS vs ON vs.volunteer_id = reg.volunteer_id
    WHERE vs.started_at >= $start AND vs.started_at < $end
    GROUP BY reg.grp_unit
)
SELECT grp.grp_unit AS unit_id, u.name, u.level,
       coalesce(u.households, grp.grid_households) AS households,
       coalesce(reg_n.registered, 0) AS registered,
       coalesce(reg_n.party_members, 0) AS party_members,
       coalesce(act.active, 0) AS active,
       coalesce(act.services, 0) AS services,
       coalesce(act.hours, 0) AS hours,
       coalesce(act.points, 0) AS points
FROM grp
JOIN units AS u ON u.unit_id = grp.grp_unit
LEFT JOIN reg_n ON reg_n.grp_unit = grp.grp_unit
LEFT JOIN act ON act.grp_unit = grp.grp_unit
ORDER BY grp.grp_unit
