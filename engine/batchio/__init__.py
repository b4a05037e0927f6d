"""Batch I/O: many inputs (folders, JSON Lines, spreadsheets, mappings) in, answers out in order."""
