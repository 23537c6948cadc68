"""Chinese is the default language and English the switch: every English msgid of the
pages (templates and web/*.py) must have a Chinese translation in messages.po."""

from __future__ import annotations

from pathlib import Path

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
