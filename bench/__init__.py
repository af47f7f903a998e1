"""Benchmarks (``make bench``): not part of ``make test``. Each ``scenario_*.py`` module exposes
``run() -> list[dict]`` rows with ``scenario``, ``median_ms``, ``p95_ms``, ``queries`` and ``extra``."""
