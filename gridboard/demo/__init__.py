"""The demo county (county) and its geometry (geo).
"""
