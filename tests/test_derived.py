"""The declared trigger-kept copies (core.derived): every declared trigger exists after migrate, `manage.py check`
fails when one is dropped, and the rebuild SQL recomputes a copy that went stale."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from core import derived
from members.models import PartyMember
from tests.factories import EnterpriseFactory, PartyMemberFactory, UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _drop(trigger: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
                [trigger],
            )
            (table,) = cursor.fetchone()
            cursor.execute(f"DROP TRIGGER {trigger} ON {table}")
        else:
            cursor.execute(f"DROP TRIGGER {trigger}")


def _reinstall() -> None:
    with connection.schema_editor() as editor:
        for group in derived.GROUPS:
            derived.uninstall(editor, app=group.app, groups=[group.name])
            for statement in group.postgresql if connection.vendor == "postgresql" else group.sqlite:
                editor.execute(statement, params=None)


def test_every_declared_trigger_exists_and_check_passes():
    applied = {(g.app, g.migration) for g in derived.GROUPS}
    assert derived.missing_triggers(connection, installed=applied) == []
    call_command("check", stdout=io.StringIO())


@pytest.mark.parametrize("group", derived.GROUPS, ids=lambda g: g.name)
def test_check_fails_when_a_declared_trigger_is_dropped(group):
    trigger = group.triggers[connection.vendor][-1]
    _drop(trigger)
    try:
        with pytest.raises(SystemCheckError, match=trigger):
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        _reinstall()
    call_command("check", stdout=io.StringIO())


def test_rebuild_recomputes_a_stale_copy():
    ward = UnitFactory()
    member = PartyMemberFactory(enterprise=EnterpriseFactory(unit=ward))
    with connection.schema_editor() as editor:  # a writer that bypassed the triggers
        derived.uninstall(editor, app=derived.ENTERPRISE_UNIT.app)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {derived.MEMBER} SET enterprise_unit_id = NULL")
        assert PartyMember.objects.get(pk=member.pk).enterprise_unit_id is None
        derived.rebuild(connection, groups=["enterprise_unit"])
        assert PartyMember.objects.get(pk=member.pk).enterprise_unit_id == ward.pk
    finally:
        _reinstall()
