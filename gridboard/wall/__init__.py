"""The wall screen's numbers: tiles, trends, open cases and the deadline wall (board, backlog).
"""
