"""Chinese is the default language and English the switch: every English msgid of the
pages (templates and web/*.py) must have a Chinese translation in messages.po."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "web" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}


def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used, as babel's extractor finds them (``make translations``)."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "web"), METHODS, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def test_every_page_string_has_a_chinese_translation() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f)
    translated: dict[str, str] = {}
    for m in catalog:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid in ids:  # a plural entry translates its singular and plural ids
            if msgid:
                translated[msgid] = "".join(s or "" for s in strings)
    found = extracted()
    assert len(found) > 300  # the extractor really read the templates
    missing = {msgid: where[0] for msgid, where in found.items() if not translated.get(msgid)}
    assert not missing, f"{len(missing)} msgids without a Chinese msgstr: {missing}"


def test_translations_keep_their_placeholders() -> None:
    import re

    with PO.open("rb") as f:
        catalog = read_po(f)
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[0]))
        for s in strings:
            assert set(re.findall(r"%\(\w+\)s", s)) == wanted, (ids[0], s)


def _zh(msgid: str, context: str | None = None) -> str:
    with PO.open("rb") as f:
        entry = read_po(f).get(msgid, context=context)
    assert entry is not None, (context, msgid)
    return str(entry.string)


def test_words_of_the_same_english_do_not_collide() -> None:
    """Issue 13, item 3: a state, a column heading and a button of one English word each
    have their own Chinese (pgettext contexts)."""
    assert _zh("Submitted", "access state") == "已提交"
    assert _zh("Submitted") == "提交时间"  # the column heading of the review queue
    assert _zh("Updated", "job count") == "更新数"
    assert _zh("Updated") == "更新于"  # "updated <date>" on result cards
    assert _zh("Open", "review button") == "审核"
    templates = ROOT / "web" / "templates"
    assert "pgettext('access state', 'Submitted')" in (templates / "access/_state.html").read_text()
    assert "pgettext('review button', 'Open')" in (templates / "access/queue.html").read_text()
    assert "pgettext('job count', 'Updated')" in (templates / "dashboard/show.html").read_text()
    for found in extract_from_dir(ROOT / "web", method_map=METHODS, keywords=KEYWORDS):
        if found[4]:  # every msgid used with a context has a translation in that context
            msgid = found[2][1] if isinstance(found[2], tuple) else found[2]
            assert _zh(msgid, found[4]), (found[4], msgid)


def _event_codes() -> set[str]:
    """Every audit action code the services can write."""
    import re

    from catalog.services import access, datasets

    codes: set[str] = set()
    for path in (ROOT / "catalog" / "services").glob("*.py"):
        codes.update(re.findall(r'"((?:access|dataset)\.[a-z_]+)"', path.read_text()))
    codes.update(f"dataset.{to}" for _from, to in datasets.TRANSITIONS)
    codes.update(f"access.{to}" for _from, to in access.TRANSITIONS)
    codes.add("dataset.harvest")
    return codes


def test_every_event_code_has_a_label_in_both_languages(monkeypatch) -> None:
    from web import eventlabels
    from web.eventlabels import EVENT_LABELS, event_label

    missing = _event_codes() - set(EVENT_LABELS)
    assert not missing, f"event codes without a label: {sorted(missing)}"
    assert all(zh and en and zh != en for zh, en in EVENT_LABELS.values())
    monkeypatch.setattr(eventlabels, "locale", lambda: "zh")
    assert event_label("access.submitted") == "提交申请"
    monkeypatch.setattr(eventlabels, "locale", lambda: "en")
    assert event_label("access.submitted") == "Request submitted"
    # the history tables show labels, not the codes
    for name in ("access/show.html", "access/audit.html"):
        text = (ROOT / "web" / "templates" / name).read_text()
        assert "e.action|event_label" in text and "{{ e.action }}" not in text


def test_penalties_are_on_the_score_scale() -> None:
    from catalog.quality import CHECKS, MAX_POINTS
    from web.i18n import penalty

    assert sum(float(penalty(c[2])) for c in CHECKS) == pytest.approx(100, abs=0.5)
    assert penalty(MAX_POINTS) == "100"
    text = (ROOT / "web" / "templates" / "dataset.html").read_text()
    assert "pts|penalty" in text and "harvested_at|when" in text
