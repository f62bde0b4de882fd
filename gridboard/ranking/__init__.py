"""The grid index (gridindex), the league tables, honour and red lists built on it (league),
and saving the index weights (settings_store).
"""
