"""Renderers: turn results (data) into text, JSON and the other output formats."""
