-- bigscreen_backlog: cases reported before $since that are not cancelled and not closed by $since:
-- the only old cases that can be open at any time from $since on (the wall screen keeps them in
-- memory per data version, so a refresh reads just the cases reported since $since).
-- Cases an import flagged as history (history_cases: open longer than the history_open_days
-- setting when imported) stay off the wall's live counts. Columns: those deadline_graded.sql reads.
SELECT case_id, unit_id, category, subcategory, title, source, department, reported_at, due_at,
       closed_at, status, supervised, reporter_phone
FROM cases
WHERE reported_at < $since
  AND status <> 'cancelled'
  AND (closed_at IS NULL OR closed_at > $since)
  AND case_id NOT IN (SELECT case_id FROM history_cases)
