-- demo_filled: rows already in the tables the demo build must find empty (units, cases).
SELECT (SELECT count(*) FROM units) AS units, (SELECT count(*) FROM cases) AS cases
