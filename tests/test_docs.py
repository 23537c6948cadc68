"""The README and docs/ must stand alone in a clone: every link resolves inside the repository,
and every setting the code reads from the environment is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _relative_links(path: Path) -> list[str]:
    return [
        target.split("#", 1)[0]
        for target in LINK.findall(path.read_text(encoding="utf-8"))
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]


def test_every_relative_link_resolves_inside_the_repository():
    broken = []
    for doc in DOCS:
        for target in _relative_links(doc):
            resolved = (doc.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_no_document_points_at_the_development_folder():
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, doc.relative_to(ROOT)


def test_every_environment_setting_is_in_the_readme():
    code = (ROOT / "catalog" / "config.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set(re.findall(r"environ\.get\(\"(CATALOG_[A-Z0-9_]+)\"", code))
    assert names, "config.py reads no CATALOG_ variable: the pattern is out of date"
    assert sorted(n for n in names if f"`{n}`" not in readme) == []
