-- volunteers_stars: registered volunteers of $unit per star level, the star being how many of the
-- ascending hour thresholds $edges their cumulative service hours before $end reach (0 = no star).
WITH reg AS ({registered}),
cum AS (
    SELECT reg.volunteer_id, coalesce(sum(s.hours), 0) AS hours
    FROM reg
    LEFT JOIN volunteer_services AS s ON s.volunteer_id = reg.volunteer_id AND s.started_at < $end
    GROUP BY reg.volunteer_id
),
edges AS (SELECT unnest($edges) AS edge),
starred AS (
    SELECT cum.volunteer_id, count(edges.edge) AS star
    FROM cum
    LEFT JOIN edges ON edges.edge <= cum.hours
    GROUP BY cum.volunteer_id
)
SELECT star, count(*) AS volunteers
FROM starred
GROUP BY star
ORDER BY star
