-- volunteers_registered: the volunteers registered under $unit (unit_closure) before $end; an unknown
-- registration date counts as registered (fragment of the other volunteers_* queries).
SELECT v.volunteer_id, v.unit_id, v.name, v.is_party_member, v.team, v.registered_on
FROM volunteers AS v
JOIN unit_closure AS cl ON cl.descendant_id = v.unit_id
WHERE cl.ancestor_id = $unit
  AND (v.registered_on IS NULL OR v.registered_on < $end)
