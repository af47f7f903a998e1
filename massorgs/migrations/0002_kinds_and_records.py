"""The three kinds of mass organization, and the enterprise's former fields moved into records.

For each enterprise and kind (trade union, youth union) with the flag set, a date or members: one organization
(established on the date, or undated), one membership entry with the members (dated the establishment day, or an
undated opening balance), one history row. The registry's next migration drops the fields.
"""

from django.db import migrations

KINDS = (
    ("trade_union", "Công đoàn cơ sở", "Grassroots trade union", 10),
    ("youth_union", "Đoàn cơ sở / Chi đoàn", "Ho Chi Minh Communist Youth Union", 20),
    ("youth_federation", "Hội Liên hiệp thanh niên", "Youth federation", 30),
)


def forward(apps, schema_editor):
    Kind = apps.get_model("massorgs", "MassOrganizationKind")
    Organization = apps.get_model("massorgs", "MassOrganization")
    Entry = apps.get_model("massorgs", "MembershipEntry")
    History = apps.get_model("massorgs", "MassOrganizationHistory")
    Enterprise = apps.get_model("registry", "Enterprise")
    kinds = {}
    for code, name, name_en, order in KINDS:
        kinds[code], _ = Kind.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})
    for prefix in ("trade_union", "youth_union"):
        present, on, count = f"{prefix}_present", f"{prefix}_established_on", f"{prefix}_member_count"
        rows = Enterprise.objects.filter(
            **{present: True}
        ) | Enterprise.objects.filter(**{f"{on}__isnull": False}) | Enterprise.objects.filter(**{f"{count}__gt": 0})
        batch = []
        for enterprise_id, day, members in rows.values_list("pk", on, count).iterator(chunk_size=5000):
            batch.append((Organization(enterprise_id=enterprise_id, kind=kinds[prefix], established_on=day), members))
            if len(batch) >= 5000:
                _write(Organization, Entry, History, batch)
                batch = []
        _write(Organization, Entry, History, batch)


def _write(Organization, Entry, History, batch):
    if not batch:
        return
    organizations = Organization.objects.bulk_create([o for o, _ in batch])
    Entry.objects.bulk_create(
        [
            Entry(organization=o, counted_on=o.established_on, admitted=members, source="migration")
            for o, (_, members) in zip(organizations, batch)
            if members
        ]
    )
    History.objects.bulk_create(
        [
            History(
                organization=o,
                event="migrated",
                changes={"established_on": o.established_on.isoformat() if o.established_on else None, "members": m},
            )
            for o, (_, m) in zip(organizations, batch)
        ]
    )


def backward(apps, schema_editor):
    Organization = apps.get_model("massorgs", "MassOrganization")
    Enterprise = apps.get_model("registry", "Enterprise")
    for o in Organization.objects.filter(kind__code__in=("trade_union", "youth_union"), dissolved_on__isnull=True):
        members = sum(e.admitted - e.departed for e in o.entries.all())
        Enterprise.objects.filter(pk=o.enterprise_id).update(
            **{
                f"{o.kind.code}_present": True,
                f"{o.kind.code}_established_on": o.established_on,
                f"{o.kind.code}_member_count": max(0, members),
            }
        )
    Organization.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("massorgs", "0001_initial"), ("registry", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
