-- fields_present: whether any case holds a value of each optional source field (catalog.SOURCE_FIELDS);
-- each probe stops at the first such case.
SELECT
    EXISTS (SELECT 1 FROM cases WHERE satisfaction IS NOT NULL) AS satisfaction,
    EXISTS (SELECT 1 FROM cases WHERE handled_level IS NOT NULL) AS handled_level,
    EXISTS (SELECT 1 FROM cases WHERE reopened IS NOT NULL) AS reopened
