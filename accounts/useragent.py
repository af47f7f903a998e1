"""A browser and device in words, from the User-Agent header ("Cốc Cốc 128 · Android", "Safari · iPhone"): enough
for an official to recognise a session of theirs. A few rules, not a database of browsers: what is not recognised
says so."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

# The first rule that matches names the browser; order matters (Edge, Opera, Cốc Cốc and Zalo also say "Chrome",
# Chrome says "Safari").
BROWSERS: tuple[tuple[str, str], ...] = (
    ("Cốc Cốc", r"coc_coc_browser/(\d+)"),
    ("Zalo", r"Zalo(?:Theme)?/?(\d*)"),
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"(?:OPR|Opera)/(\d+)"),
    ("Samsung Internet", r"SamsungBrowser/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/"),
)
SYSTEMS: tuple[tuple[str, str], ...] = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Macintosh|Mac OS X"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
)


@dataclass(frozen=True)
class Device:
    browser: str
    system: str
    mobile: bool

    def __str__(self) -> str:
        parts = [p for p in (self.browser, self.system) if p]
        return " · ".join(parts) if parts else _("Unknown browser")


def describe(user_agent: str) -> Device:
    ua = user_agent or ""
    browser = ""
    for name, pattern in BROWSERS:
        match = re.search(pattern, ua)
        if match:
            version = match.group(1) if match.groups() else ""
            browser = f"{name} {version}".strip()
            break
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, ua)), "")
    mobile = "Mobi" in ua or system in ("iPhone", "Android")
    return Device(browser=browser, system=system, mobile=mobile)
