"""Tools for rule authors: lint (every problem with its line), diff between rule versions, activity-data templates."""
