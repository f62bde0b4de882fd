"""The database: opening and creating the DuckDB file (store) and the named-query registry
(queries) over the SQL files in db/sql/. Imports only core.
"""
