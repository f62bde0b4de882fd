-- agg_staged_days: the report days a staged batch of cases ({stage}, a temp table of
-- gridboard.ingest.staging) touches: the days of its rows and of the stored rows they replace.
SELECT DISTINCT CAST(s.reported_at AS DATE) AS day FROM {stage} AS s WHERE s.reported_at IS NOT NULL
UNION
SELECT DISTINCT CAST(c.reported_at AS DATE) AS day FROM cases AS c JOIN {stage} AS s ON s.case_id = c.case_id
