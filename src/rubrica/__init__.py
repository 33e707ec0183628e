"""Rubrica: a contact manager and light CRM for teams."""

__version__ = "0.1.0"
