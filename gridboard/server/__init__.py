"""The server side of a live dashboard: the Streamlit server process owns the database file and
does all writing (DESIGN.md "Running").

Owns: API tokens (tokens), the wall's kiosk tokens (kiosk), the one ingest worker and its durable queue (worker), the inbox folder
(inbox), partial status-feed files (statusfeed), the live demo feed (feed), the HTTP API routes and
the lifespan that starts and stops all of it (api), and the command-line client of a running
server (client). No streamlit here: the top-level server.py builds the `st.App` from these parts.
"""
