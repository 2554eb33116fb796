"""The demo catalogue importer: one module per source, a shared core, a writer (withdrawals: items
that left the source) and a runner.

`manage.py import_listings` is the entry point; docs/data-import.md describes what it does.
"""
