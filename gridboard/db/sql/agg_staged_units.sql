-- agg_staged_units: every unit at or above a case a staged batch ({stage}, a temp table of
-- gridboard.ingest.staging or of an undo) touches: the units of its own rows ({stage_units}: the
-- stage's unit column, or nothing for a stage without one) and of the stored rows they replace.
WITH touched AS (
    {stage_units}
    SELECT c.unit_id FROM cases AS c JOIN {stage} AS s ON s.case_id = c.case_id
)
SELECT DISTINCT cl.ancestor_id AS unit_id
FROM unit_closure AS cl
JOIN touched AS t ON cl.descendant_id = t.unit_id
ORDER BY 1
