"""Every page an official works with, in Chromium at a phone's size (390x844) and a laptop's (1366x768): no
horizontal scroll, the page's main action on the first screen of the phone, no Content-Security-Policy refusal,
and axe-core (vendored: tests/e2e/vendor/axe.min.js) finds no critical or serious violation. One browser, one
server, the pages in a loop; screenshots and the moderate findings go to test-output/e2e/pages/."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from cases.models import Proposal
from org.models import Official, RoleAssignment, Unit
from reports.models import Period
from workflows.models import Step, TaskSLA
from workflows.services import workflow_backfill

from .helpers import OUTPUT, PASSWORD, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PAGES_OUT = OUTPUT / "pages"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
CASE_STEPS = [Step.SURVEY, Step.NURTURING_REVIEW, Step.OUTREACH, Step.PROPOSAL, Step.DECISION]
OPEN = ["NEW", "ASSIGNED", "STARTED"]

NO_SCROLL_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Which element a Content-Security-Policy refusal is about (an init script: CSP does not apply to it).
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  "Content Security Policy refused " + e.violatedDirective + " in " + (e.target && e.target.outerHTML
  ? e.target.outerHTML.slice(0, 160) : String(e.target)) + " " + e.sample));"""
AXE_RUN_JS = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


def _tester():
    """An official of Hoàn Kiếm holding every role, with one open task of each step assigned to them."""
    ward = Unit.objects.get(name="Phường Hoàn Kiếm")
    official = Official.objects.create_user(
        "hk.kiemthu", password=PASSWORD, unit=ward, first_name="Thử", last_name="Đặng Văn"
    )
    for role in ("ward_official", "committee_member", "organization_officer", "decision_maker", "supervisor"):
        RoleAssignment.objects.create(official=official, role=role)
    tasks = {}
    for step in CASE_STEPS:
        sla = (
            TaskSLA.objects.filter(step=step, unit=ward, task__status__in=OPEN, case__isnull=False)
            .select_related("task")
            .order_by("pk")
            .first()
        )
        assert sla is not None, f"the demo has no open {step} task in Hoàn Kiếm"
        sla.task.owner, sla.task.status = official, "ASSIGNED"
        sla.task.save(update_fields=["owner", "status"])
        tasks[step.value] = sla
    # The decision task shows the case's latest proposal: the demo's, or this one where the demo has none.
    case = tasks["decision"].case
    if not case.proposals.exists():
        members = list(case.enterprise.members.filter(left_on__isnull=True).order_by("pk"))
        full = [m for m in members if m.status == "full"]
        proposal = Proposal.objects.create(
            case=case,
            cell_name=f"Chi bộ {case.enterprise.name}",
            secretary=full[0],
            deputy=full[1],
            reports_to=ward,
            submitted_by=official,
        )
        proposal.members.set(members)
    candidate = (
        TaskSLA.objects.filter(unit=ward, task__status__in=OPEN, candidate__isnull=False).select_related("task").first()
    )
    if candidate is not None:
        candidate.task.owner, candidate.task.status = official, "ASSIGNED"
        candidate.task.save(update_fields=["owner", "status"])
        tasks["candidate"] = candidate
    return official, ward, tasks


def proposal_secretary(tasks):
    return tasks["decision"].case.proposals.order_by("-submitted_at", "-pk").first().secretary.full_name


def _pages(ward, tasks):
    """(name, path, the main action's selector: on the phone's first screen)."""
    period = Period.objects.filter(starts_on__lte=timezone.localdate()).order_by("-starts_on").first()
    decision = tasks["decision"]
    pages = [
        ("inbox", "/inbox/", "table.tasks tbody a"),
        ("queue", "/queue/", "main form button[type=submit]"),
    ]
    for name, sla in tasks.items():
        pages.append((f"task-{name}", f"/tasks/{sla.pk}/", "[data-primary-action]"))
    pages += [
        ("case", f"/cases/{decision.case_id}/", "main h1"),
        ("enterprises", "/enterprises/", "main form button[type=submit]"),
        ("supervision", "/supervision/", "main form button[type=submit]"),
        ("stalled", "/supervision/stalled/", "main form button[type=submit]"),
        ("targets", "/supervision/targets/", "main form button[type=submit]"),
        ("period-report", f"/reports/{ward.code}/{period.code}/", "main h1"),
        ("period-reports", "/reports/", "main a"),
        ("imports", "/imports/", "main a.button.primary, main a[href$='/imports/new/']"),
        ("import-new", "/imports/new/", "main form button[type=submit]"),
        ("notifications", "/notifications/", "main h1"),
        ("today", "/today/", "main h1"),
    ]
    return pages


def _check(page, name, viewport, problems, moderate, refusals):
    width = page.evaluate(NO_SCROLL_JS)
    if width > 0:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
                 document.documentElement.clientWidth + 1).slice(0, 3).map(e => e.tagName + '.' + e.className)"""
        )
        problems.append(f"{viewport} {name}: scrolls sideways by {width}px ({wide})")
    page.evaluate(AXE)
    for v in page.evaluate(AXE_RUN_JS):
        line = f"{viewport} {name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}"
        if v["impact"] in ("critical", "serious"):
            problems.append(line)
        else:
            moderate.append(line)
    page.screenshot(path=str(PAGES_OUT / f"{viewport}-{name}.png"), full_page=True)
    if refusals:
        ours = [r for r in refusals if r.startswith("Content Security Policy refused")] or refusals
        problems.append(f"{viewport} {name}: {ours[:3]}")
        refusals.clear()


def _first_screen(page, selector, viewport):
    """The main action is shown without scrolling (on a phone: within the 844 px of the first screen)."""
    target = page.locator(selector).first
    if not target.count() or not target.is_visible():
        return False
    box = target.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORTS[viewport]["height"]


def test_every_page_fits_a_phone_and_passes_axe(live_server, browser):
    call_command("seed_demo", stdout=io.StringIO())
    workflow_backfill()
    official, ward, tasks = _tester()
    base = live_server.url
    PAGES_OUT.mkdir(parents=True, exist_ok=True)
    problems, moderate = [], []
    for viewport, size in VIEWPORTS.items():
        # A browser set to American English (its own date fields would show mm/dd/yyyy); the official reads Vietnamese.
        context = browser.new_context(viewport=size, locale="en-US")
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "vi", "url": base}])
        context.add_init_script(CSP_REPORTER)
        page = context.new_page()
        refusals = []
        page.on("console", lambda m, r=refusals: r.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("dialog", lambda d: d.accept())
        bell_loads = []
        page.on("response", lambda r, b=bell_loads: b.append(r.status) if "/notifications/bell/" in r.url else None)

        page.goto(f"{base}/accounts/login/")
        if viewport == "phone" and not _first_screen(page, "main button[type=submit]", viewport):
            problems.append(f"{viewport} login: the sign-in button is not on the first screen")
        _check(page, "login", viewport, problems, moderate, refusals)
        login(page, base, official.username, then="/inbox/")

        for name, path, primary in _pages(ward, tasks):
            response = page.goto(f"{base}{path}")
            if response is None or response.status != 200:
                problems.append(f"{viewport} {name}: HTTP {response and response.status} for {path}")
                continue
            if viewport == "phone" and not _first_screen(page, primary, viewport):
                problems.append(f"{viewport} {name}: the main action ({primary}) is not on the first screen")
            _check(page, name, viewport, problems, moderate, refusals)

        # The task pages carry what the step decides: the decision shows the proposal and decides with buttons.
        page.goto(f"{base}/tasks/{tasks['decision'].pk}/")
        main = page.inner_text("main")
        if page.locator("#proposal").count() and proposal_secretary(tasks) not in page.inner_text("#proposal"):
            problems.append(f"{viewport} decision task: the proposed secretary is not shown")
        for text in ("Phê duyệt", "Trả lại", "Từ chối", "Quá trình xử lý"):
            if text not in main:
                problems.append(f"{viewport} decision task: no '{text}'")
        if not page.locator("#proposal").count():
            problems.append(f"{viewport} decision task: the proposal is not shown")
        if page.locator("main button", has_text="Lưu").count():
            problems.append(f"{viewport} decision task: a 'Lưu' button")
        page.goto(f"{base}/tasks/{tasks['survey'].pk}/")
        if "Hoàn thành bước" not in page.inner_text("section.actions"):
            problems.append(f"{viewport} survey task: no 'Hoàn thành bước'")
        if "đảng viên chính thức" not in page.inner_text(".cf-member-counts"):
            problems.append(f"{viewport} survey task: no member counts")
        # Dates are dd/mm/yyyy, whatever the browser's locale (this context is en-US).
        date_input = page.locator("input[name=surveyed_on]")
        if date_input.get_attribute("placeholder") != "dd/mm/yyyy" or date_input.get_attribute("type") != "text":
            problems.append(f"{viewport} survey task: the date field is not a dd/mm/yyyy text field")
        date_input.fill("")
        date_input.press_sequentially("0209" + str(timezone.localdate().year))
        if date_input.input_value() != f"02/09/{timezone.localdate().year}":
            problems.append(f"{viewport} survey task: the mask wrote {date_input.input_value()!r}")

        if viewport == "phone":
            # The header is one line; the menu opens to the links and the logout.
            header = page.locator("header").bounding_box()
            if header["height"] > 80:
                problems.append(f"phone: the header takes {header['height']}px")
            if page.locator("header .cf-logout").is_visible():
                problems.append("phone: the menu is open before it is asked for")
            page.click("header .cf-menu-button")
            page.wait_for_selector("#cf-nav.collapse.show")  # the opening transition is over
            if not page.locator("header .cf-logout").is_visible():
                problems.append("phone: the open menu shows no logout")
            page.screenshot(path=str(PAGES_OUT / "phone-menu-open.png"))
        if 200 not in bell_loads or any(s >= 500 for s in bell_loads):
            problems.append(f"{viewport}: htmx did not load the bell ({bell_loads})")
        if page.locator("#bell svg").count() == 0:
            problems.append(f"{viewport}: the bell is not an SVG")
        context.close()

    (PAGES_OUT / "axe-moderate.txt").write_text("\n".join(moderate) + "\n", encoding="utf-8")
    (PAGES_OUT / "problems.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"axe, moderate or minor ({len(moderate)}):", *moderate, sep="\n  ")
    assert not problems, "\n".join(problems)
