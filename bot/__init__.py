"""Cohort: a self-hosted Discord bot for interview study groups."""

__version__ = "0.1.0"
