"""The audit trail and the append-only histories, kept by the database (PostgreSQL triggers).

Two things live here, both below every app so that each app's models can use them:

* ``append_only()``: the trigger that makes PostgreSQL itself refuse ``UPDATE`` and ``DELETE`` on a history table
  (``CaseHistory``, ``MemberEvent``, ``CandidateEvent``, ``MassOrganizationHistory``, ``FoundingEvent``,
  ``AccountEvent`` and the audit trail's event tables). The models' ``save``/``delete`` refuse the same in Python;
  the trigger also stops bulk ``update()``, raw SQL and cascades. ``TRUNCATE`` is not a row operation and stays
  possible (the test database's flush, ``generate_scale --reset``). A reset that must delete rows names the
  trigger in ``pgtrigger.ignore`` (only ``bench/scenario_import.py`` does).
* the audit trail's context (who, why): see ``context`` below and ``docs/architecture.md`` ("The audit trail").

On SQLite (``make run``) pgtrigger installs nothing: the Python guards hold, the database does not.
"""

from __future__ import annotations

import pgtrigger

APPEND_ONLY = "append_only"


def append_only() -> pgtrigger.Protect:
    """PostgreSQL refuses UPDATE and DELETE on every row of the table (raises, the statement fails)."""
    return pgtrigger.Protect(name=APPEND_ONLY, operation=pgtrigger.Update | pgtrigger.Delete)
