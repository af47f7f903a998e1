"""Working days and due dates: weekends, Vietnamese public holidays with Tết (from the `holidays` package),
the administrator's extra days off and swapped working days, and the norms of each step.

Dates of the holidays below were read from holidays.country_holidays("VN", years=...) (holidays 0.109, pinned in
requirements.lock); the first tests check the package still says so, so a data change fails loudly here rather
than as a puzzling due date elsewhere.
"""

import datetime

import holidays
import pytest
from django.utils import timezone

from tests.factories import CaseFactory, EnterpriseFactory
from workflows.calendar import WorkingCalendar
from workflows.models import CalendarDay, Step, StepNorm, TaskSLA
from workflows.services import workflow_backfill
from workflows.sla import DEFAULT_NORMS, sla_dates, sla_start_date, sla_start_override


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def days(first: str, last: str) -> list[datetime.date]:
    start, end = d(first), d(last)
    return [start + datetime.timedelta(n) for n in range((end - start).days + 1)]


TET = {
    2025: days("2025-01-27", "2025-02-01"),  # Mon 27 Jan (29th of the 12th month) .. Sat 1 Feb
    2026: days("2026-02-16", "2026-02-20"),  # Mon 16 Feb (New Year's Eve) .. Fri 20 Feb
    2027: days("2027-02-04", "2027-02-10"),  # Thu 4 Feb .. Wed 10 Feb
}
# Around each Tết block: the last working day before it and the first after it.
TET_EDGES = {2025: ("2025-01-24", "2025-02-03"), 2026: ("2026-02-13", "2026-02-23"), 2027: ("2027-02-03", "2027-02-11")}
PLAIN = WorkingCalendar({})  # no administrator's exceptions: no database needed


# --- The holiday data we rely on -----------------------------------------------------------------------


@pytest.mark.parametrize("year", sorted(TET))
def test_the_holidays_package_has_tet(year):
    vn = holidays.country_holidays("VN", years=year)
    assert set(TET[year]) <= set(vn)
    assert all("Lunar New Year" in vn[day] for day in TET[year])


@pytest.mark.parametrize("year", sorted(TET))
def test_tet_and_every_public_holiday_are_not_working_days(year):
    for day in holidays.country_holidays("VN", years=year):
        assert not PLAIN.is_working_day(day), day
    before, after = TET_EDGES[year]
    assert PLAIN.is_working_day(d(before)) and PLAIN.is_working_day(d(after))
    assert PLAIN.between(d(before), d(after)) == 1  # the whole block in between is off


def test_other_holidays_of_2026():
    for day in ("2026-01-01", "2026-04-27", "2026-04-30", "2026-05-01", "2026-08-31", "2026-09-01", "2026-09-02"):
        assert not PLAIN.is_working_day(d(day)), day


def test_weekends_are_off_and_weekdays_work():
    assert [PLAIN.is_working_day(day) for day in days("2026-03-02", "2026-03-08")] == [True] * 5 + [False] * 2


# --- add and between -----------------------------------------------------------------------------------


def test_add_skips_weekends():
    assert PLAIN.add(d("2026-03-06"), 1) == d("2026-03-09")  # Friday + 1 -> Monday
    assert PLAIN.add(d("2026-03-02"), 5) == d("2026-03-09")
    assert PLAIN.add(d("2026-03-07"), 1) == d("2026-03-09")  # from a Saturday


def test_add_across_tet_lands_after_the_holiday_block():
    # Fri 6 Feb 2026 + 10 working days: 9–13 Feb (5), Tết 16–20 Feb skipped, 23–27 Feb (10).
    assert PLAIN.add(d("2026-02-06"), 10) == d("2026-02-27")
    assert PLAIN.add(d("2026-02-13"), 1) == d("2026-02-23")
    assert PLAIN.add(d("2025-01-24"), 1) == d("2025-02-03")
    assert PLAIN.add(d("2027-02-03"), 1) == d("2027-02-11")
    for start in days("2026-02-14", "2026-02-22"):  # from inside the block, the first day counted is 23 Feb
        assert PLAIN.add(start, 1) == d("2026-02-23")


def test_add_across_the_new_year():
    assert PLAIN.add(d("2026-12-31"), 1) == d("2027-01-04")  # 1 Jan 2027 is a Friday and a holiday


def test_add_zero_and_negative():
    assert PLAIN.add(d("2026-03-04"), 0) == d("2026-03-04")
    assert PLAIN.add(d("2026-02-23"), -1) == d("2026-02-13")  # back over Tết
    assert PLAIN.add(d("2026-02-27"), -10) == d("2026-02-06")
    assert PLAIN.add(d("2026-03-09"), -1) == d("2026-03-06")


def test_between_counts_working_days_after_start_up_to_end():
    assert PLAIN.between(d("2026-02-06"), d("2026-02-27")) == 10
    assert PLAIN.between(d("2026-02-13"), d("2026-02-23")) == 1
    assert PLAIN.between(d("2026-02-14"), d("2026-02-22")) == 0
    assert PLAIN.between(d("2026-03-04"), d("2026-03-04")) == 0
    assert PLAIN.between(d("2026-03-10"), d("2026-03-04")) == 0  # end before start


@pytest.mark.parametrize("n", [1, 3, 10, 20, 60])
def test_add_and_between_agree_all_year(n):
    for start in days("2025-12-15", "2027-03-01")[::3]:
        due = PLAIN.add(start, n)
        assert PLAIN.is_working_day(due)
        assert PLAIN.between(start, due) == n
        assert PLAIN.add(due, -n) <= start


# --- The administrator's exceptions --------------------------------------------------------------------


@pytest.mark.django_db
def test_exceptions_are_loaded_once(django_assert_num_queries):
    CalendarDay.objects.create(date=d("2026-02-23"), kind=CalendarDay.Kind.DAY_OFF)
    with django_assert_num_queries(1):
        calendar = WorkingCalendar()
        calendar.add(d("2026-01-01"), 200)


@pytest.mark.django_db
def test_extra_day_off_is_skipped():
    CalendarDay.objects.create(date=d("2026-02-23"), kind=CalendarDay.Kind.DAY_OFF, note="Nghỉ bù")
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(d("2026-02-23"))
    assert calendar.add(d("2026-02-13"), 1) == d("2026-02-24")
    assert calendar.add(d("2026-02-06"), 10) == d("2026-03-02")


@pytest.mark.django_db
def test_swapped_saturday_counts():
    CalendarDay.objects.create(date=d("2026-02-14"), kind=CalendarDay.Kind.WORKING_DAY, note="Làm bù")
    calendar = WorkingCalendar()
    assert calendar.is_working_day(d("2026-02-14"))
    assert calendar.add(d("2026-02-13"), 1) == d("2026-02-14")
    assert calendar.add(d("2026-02-06"), 10) == d("2026-02-26")
    assert calendar.between(d("2026-02-13"), d("2026-02-23")) == 2


@pytest.mark.django_db
def test_a_holiday_can_be_declared_a_working_day():
    CalendarDay.objects.create(date=d("2026-02-20"), kind=CalendarDay.Kind.WORKING_DAY)
    assert WorkingCalendar().add(d("2026-02-13"), 1) == d("2026-02-20")


# --- Due and warning dates of each step ----------------------------------------------------------------

FROM_FRIDAY_BEFORE_TET = d("2026-02-06")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "step,due,warn",
    [
        # 10 working days, warn 3 before: 9–13 Feb, 23–27 Feb -> due Fri 27 Feb, warn Tue 24 Feb.
        (Step.SURVEY, "2026-02-27", "2026-02-24"),
        # 20 working days, warn 5 before: ... 2–6 Mar, 9–13 Mar -> due 13 Mar, warn 6 Mar.
        (Step.OUTREACH, "2026-03-13", "2026-03-06"),
        (Step.PROPOSAL, "2026-02-27", "2026-02-24"),
        # 15 working days, warn 3 before.
        (Step.DECISION, "2026-03-06", "2026-03-03"),
        # 6 months later (6 Aug 2026, a Thursday), warn 10 working days before.
        (Step.NURTURING_REVIEW, "2026-08-06", "2026-07-23"),
    ],
)
def test_default_norms(step, due, warn):
    assert sla_dates(step=step, start=FROM_FRIDAY_BEFORE_TET) == (d(due), d(warn))


def test_default_norms_are_the_documented_ones():
    assert DEFAULT_NORMS == {
        Step.SURVEY: (10, 3, None),
        Step.NURTURING_REVIEW: (10, 10, 6),
        Step.OUTREACH: (20, 5, None),
        Step.PROPOSAL: (10, 3, None),
        Step.DECISION: (15, 3, None),
        # The admission flow (docs/workflow.md, "Admission norms").
        Step.CANDIDATE_COURSE: (60, 10, None),
        Step.CANDIDATE_APPLICATION: (20, 5, None),
        Step.CANDIDATE_CHECK: (30, 5, None),
        Step.CANDIDATE_RESOLUTION: (20, 5, None),
        Step.CANDIDATE_DECISION: (30, 5, None),
        Step.CANDIDATE_CEREMONY: (30, 5, None),
        Step.CANDIDATE_REVIEW: (30, 10, None),
        Step.CANDIDATE_RECOGNITION: (30, 5, None),
        Step.MASSORG_SURVEY: (10, 3, None),
        Step.MASSORG_OUTREACH: (40, 5, None),
    }


@pytest.mark.django_db
def test_a_step_norm_row_overrides_the_default():
    StepNorm.objects.create(step=Step.SURVEY, working_days=5, warning_days=1)
    assert sla_dates(step=Step.SURVEY, start=FROM_FRIDAY_BEFORE_TET) == (d("2026-02-13"), d("2026-02-12"))
    # Other steps keep their defaults.
    assert sla_dates(step=Step.PROPOSAL, start=FROM_FRIDAY_BEFORE_TET) == (d("2026-02-27"), d("2026-02-24"))


@pytest.mark.django_db
def test_warning_never_before_the_task_starts():
    StepNorm.objects.create(step=Step.DECISION, working_days=2, warning_days=5)
    assert sla_dates(step=Step.DECISION, start=FROM_FRIDAY_BEFORE_TET) == (d("2026-02-10"), FROM_FRIDAY_BEFORE_TET)


@pytest.mark.django_db
def test_due_dates_use_the_administrators_calendar():
    CalendarDay.objects.create(date=d("2026-02-14"), kind=CalendarDay.Kind.WORKING_DAY)
    assert sla_dates(step=Step.SURVEY, start=FROM_FRIDAY_BEFORE_TET)[0] == d("2026-02-26")
    CalendarDay.objects.create(date=d("2026-02-24"), kind=CalendarDay.Kind.DAY_OFF)
    assert sla_dates(step=Step.SURVEY, start=FROM_FRIDAY_BEFORE_TET)[0] == d("2026-02-27")


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["2025-08-16", "2025-08-14", "2025-08-20"])
def test_nurturing_review_six_months_later_moves_to_a_working_day(start):
    # 16 Aug 2025 + 6 months = Mon 16 Feb 2026 (Tết); 14 Aug -> Sat 14 Feb; 20 Aug -> Fri 20 Feb (Tết):
    # all move to Mon 23 Feb, the first working day after the block. Warning: 10 working days before.
    assert sla_dates(step=Step.NURTURING_REVIEW, start=d(start)) == (d("2026-02-23"), d("2026-02-02"))


@pytest.mark.django_db
def test_nurturing_review_months_are_configurable():
    StepNorm.objects.create(step=Step.NURTURING_REVIEW, working_days=10, warning_days=5, review_months=3)
    # 16 Nov 2025 + 3 months = 16 Feb 2026 -> 23 Feb; warn 5 working days before: 9 Feb.
    assert sla_dates(step=Step.NURTURING_REVIEW, start=d("2025-11-16")) == (d("2026-02-23"), d("2026-02-09"))


# --- Where the count starts ----------------------------------------------------------------------------


def test_new_tasks_count_from_today_unless_overridden(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: d("2026-02-06"))
    assert sla_start_date() == d("2026-02-06")
    with sla_start_override(d("2025-12-01")):
        assert sla_start_date() == d("2025-12-01")
    assert sla_start_date() == d("2026-02-06")


@pytest.mark.django_db
def test_backfill_counts_from_the_day_the_case_entered_its_state(ward, ward_official):
    entered = timezone.make_aware(datetime.datetime(2026, 2, 6, 9, 30))
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), state_changed_at=entered)
    assert workflow_backfill() == 1
    sla = TaskSLA.objects.select_related("task").get(case=case)
    assert (sla.step, sla.due_on, sla.warn_on) == (Step.SURVEY, d("2026-02-27"), d("2026-02-24"))
    assert sla.task.owner == ward_official
    assert workflow_backfill() == 0  # a second run starts nothing
