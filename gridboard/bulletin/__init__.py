"""The monthly bulletin (月度通报): content from the metric engine (content), its words (templates,
templates.toml), its dates (dates), static charts (charts), the Word file (word), the printable HTML
page (page) and the CLI command (commands). Beside gridboard.render in the layers: it reads the
domain packages (metrics, ranking, people) and is read only by the shells (ui, cli). No streamlit here.
"""
