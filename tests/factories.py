"""factory-boy factories with traits for each case state."""

import datetime

import factory
from django.utils import timezone

from cases.models import Case
from members.models import PartyMember
from org.models import Official, RoleAssignment, Unit
from registry.models import Enterprise

TODAY = datetime.date(2026, 11, 24)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.LazyAttribute(lambda o: f"Phường {o.code}")
    level = Unit.Level.COMMUNE
    party_committee_name = factory.LazyAttribute(lambda o: f"Đảng ủy {o.name}")

    class Params:
        province = factory.Trait(level=Unit.Level.PROVINCE, name=factory.Sequence(lambda n: f"Tỉnh {n}"))


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"official{n}")
    first_name = "An"
    last_name = factory.Sequence(lambda n: f"Nguyễn {n}")
    unit = factory.SubFactory(UnitFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw-secret-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for role in extracted or ():
            RoleAssignment.objects.get_or_create(official=self, role=role)
        self._role_codes = None
        if hasattr(self, "_role_codes"):
            del self._role_codes


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"Công ty TNHH Số {n}")
    tax_code = factory.Sequence(lambda n: f"{100000000 + n:010d}")
    enterprise_type = Enterprise.Type.LIMITED_LIABILITY
    unit = factory.SubFactory(UnitFactory)
    worker_count = 50


class PartyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyMember

    enterprise = factory.SubFactory(EnterpriseFactory)
    full_name = factory.Sequence(lambda n: f"Trần Thị {n}")
    status = PartyMember.Status.PROBATIONARY
    admitted_on = datetime.date(2026, 3, 1)

    class Params:
        full = factory.Trait(
            status=PartyMember.Status.FULL,
            admitted_on=datetime.date(2020, 1, 15),
            recognized_full_on=datetime.date(2021, 1, 15),
        )


class CaseFactory(factory.django.DjangoModelFactory):
    """Builds a case directly in a state (test set-up); behaviour under test goes through the services."""

    class Meta:
        model = Case

    enterprise = factory.SubFactory(EnterpriseFactory)
    state = Case.State.SURVEYING
    state_changed_at = factory.LazyFunction(timezone.now)

    class Params:
        nurturing = factory.Trait(state=Case.State.NURTURING)
        outreach = factory.Trait(state=Case.State.OUTREACH)
        proposal = factory.Trait(state=Case.State.PROPOSAL)
        decision = factory.Trait(state=Case.State.DECISION)
        established = factory.Trait(
            state=Case.State.ESTABLISHED, decision_number="1-QĐ/ĐU", decision_date=datetime.date(2026, 1, 5)
        )
        closed = factory.Trait(state=Case.State.CLOSED, closed_reason=Case.ClosedReason.SUSPENDED)


def add_full_members(enterprise, n):
    return PartyMemberFactory.create_batch(n, enterprise=enterprise, full=True)
