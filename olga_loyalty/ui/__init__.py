"""The Textual terminal UI: a thin face over the services."""
