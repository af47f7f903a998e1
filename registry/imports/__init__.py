"""Importing the enterprise registry (CSV / XLSX) — see docs/import.md.

reading.py   bytes -> table (encoding and delimiter detection, XLSX, limits)
fields.py    the importable fields, header matching, value parsing
engine.py    validation of every row, then all writes in one transaction (and the case closures)
report.py    the error report as XLSX, formula injection neutralised
services.py  ImportJob lifecycle: create, map, queue, run, reopen resumed cases
selectors.py reads, scoped to the official
views.py     upload -> mapping -> progress/result pages
"""
