"""The Vietnamese catalogue is complete, compiled, and used: Vietnamese first, English on request."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]|\{\{.*?\}\}")


def _unquote(s: str) -> str:
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), f"malformed .po string: {s!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], s[1:-1])


def parse_po(path: Path) -> list[dict]:
    """A tiny .po reader: one dict per entry with flags, msgctxt, msgid, msgid_plural, msgstr (list)."""
    entries, entry, key = [], None, None

    def flush():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if m:
            keyword, index, value = m.group(1), m.group(2), _unquote(m.group(3))
            if keyword.startswith("msgstr"):
                key = ("msgstr", int(index or 0))
                entry["msgstr"][key[1]] = value
            else:
                key = (keyword, None)
                entry[keyword] = value
        else:
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
    flush()
    return entries


@pytest.fixture(scope="module")
def po_entries():
    assert PO_PATH.exists(), "run makemessages -l vi"
    return parse_po(PO_PATH)


def _messages(entries):
    return [e for e in entries if e["msgid"] and not e.get("obsolete")]


def test_po_header_is_vietnamese(po_entries):
    header = next(e for e in po_entries if e["msgid"] == "")
    text = header["msgstr"][0]
    assert "Language: vi\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text
    assert "charset=UTF-8" in text
    assert "fuzzy" not in header["flags"]


def test_every_entry_is_translated_and_not_fuzzy(po_entries):
    messages = _messages(po_entries)
    assert len(messages) > 100
    untranslated = [e["msgid"] for e in messages if not all(v.strip() for v in e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_placeholders_are_kept(po_entries):
    for e in _messages(po_entries):
        for source in filter(None, (e["msgid"], e.get("msgid_plural"))):
            expected = sorted(set(_PLACEHOLDER.findall(source)))
            for translated in e["msgstr"].values():
                assert sorted(set(_PLACEHOLDER.findall(translated))) == expected, e["msgid"]


def test_mo_is_compiled_from_the_po(po_entries):
    """The .mo holds exactly what the .po says (catches a forgotten msgfmt)."""
    assert MO_PATH.exists(), "run msgfmt -o django.mo django.po"
    with MO_PATH.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    for e in _messages(po_entries):
        key = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            assert catalog.ngettext(key, e["msgid_plural"], 1) == e["msgstr"][0], e["msgid"]
        else:
            assert catalog.gettext(key) == e["msgstr"][0], e["msgid"]


def test_model_label_is_vietnamese():
    from cases.models import Case

    with translation.override("vi"):
        assert str(Case.State.OUTREACH.label) == "Vận động chủ doanh nghiệp"
        assert str(Case.State.CLOSED.label) == "Đã đóng hồ sơ"
    with translation.override("en"):
        assert str(Case.State.OUTREACH.label) == "Outreach to the owner"


def test_role_labels_are_vietnamese():
    from org.models import Role

    with translation.override("vi"):
        assert str(Role.COMMITTEE_MEMBER.label) == "Cấp ủy viên phụ trách"
        assert str(Role.ORGANIZATION_OFFICER.label) == "Cán bộ Ban Tổ chức"


@pytest.mark.django_db
def test_login_page_is_vietnamese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="vi"' in html
    assert "Đăng nhập" in html
    assert "Tên đăng nhập" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_login_page_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "Đăng nhập" not in html


@pytest.mark.django_db
def test_language_cookie_selects_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert "Log in" in html
    assert "Username" in html
