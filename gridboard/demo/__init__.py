"""The demo county: the build (county), its tree (tree), cases (cases), volunteers and economy
(people), table helpers (frames) and its geometry (geo).
"""
