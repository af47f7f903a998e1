"""The reassignment drop-downs (team view, stalled list) list at most ASSIGNEE_CHOICES_CAP officials (#22: a
national administrator's 10,000 took 20 s to read and render); above it the page asks for a unit, and the POST
still takes any official of the jurisdiction."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from viewflow.workflow.models import Task

from devdata.builders import bulk_tasks
from org.models import Role
from workflows import selectors

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["workflows:team", "reports:stalled"])
def test_above_the_cap_the_page_asks_for_a_unit(url, client, province, ward, sibling_ward, make_official, monkeypatch):
    boss = make_official(province, Role.SUPERVISOR)
    here = make_official(ward, Role.WARD_OFFICIAL)
    make_official(sibling_ward, Role.WARD_OFFICIAL)
    client.force_login(boss)
    html = client.get(reverse(url)).content.decode()
    assert 'name="new_owner"' in html and f'<option value="{here.pk}">' in html
    monkeypatch.setattr(selectors, "ASSIGNEE_CHOICES_CAP", 2)
    response = client.get(reverse(url))
    assert response.context["assignees_capped"]
    html = response.content.decode()
    assert 'name="new_owner"' not in html, html[html.index('name="new_owner"') - 300 :][:400]
    assert "Hơn 2 cán bộ" in html or "More than 2 officials" in html
    # The ward in the filter: its officials only, under the cap again.
    response = client.get(reverse(url), {"unit": ward.pk})
    assert not response.context["assignees_capped"]
    assert f'<option value="{here.pk}">' in response.content.decode()


def test_the_post_takes_any_official_of_the_jurisdiction_above_the_cap(
    client, province, ward, make_official, monkeypatch
):
    monkeypatch.setattr(selectors, "ASSIGNEE_CHOICES_CAP", 1)
    boss = make_official(province, Role.SUPERVISOR)
    before, after = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    tasks = bulk_tasks(unit=ward, n=2, owner=before)
    client.force_login(boss)
    client.post(reverse("workflows:reassign"), {"tasks": [t.pk for t in tasks], "new_owner": after.pk})
    assert set(Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("owner", flat=True)) == {after.pk}


def test_the_options_tag_escapes_labels_and_marks_the_choice(ward, sibling_ward):
    ward.name = 'Phường <b>"A"</b>'
    html = Template("{% load ui %}{% options units chosen %}").render(
        Context({"units": [ward, sibling_ward], "chosen": sibling_ward.pk})
    )
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert f'<option value="{sibling_ward.pk}" selected>' in html and f'<option value="{ward.pk}">' in html
