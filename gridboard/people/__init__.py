"""Volunteers, the village collective economy and the one-page unit profile.
"""
