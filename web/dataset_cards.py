"""A dataset's card (its title linked, badges, publisher, date, formats, AI facts, snippet)
written in Python: the ``dataset_card`` the templates call.

It was a Jinja macro: a macro call, a ``url_for`` and a dozen filter and ``_()`` calls per
card, and cards are on the pages rendered most -- a dataset page's five related datasets and
an organization page's ten, on most first renders (issue 17, item 5), and the search page's
twenty. Here the address is built through the route's converter and the page's language is
looked up once per card; the markup is what the macro wrote (``tests/test_dataset_cards.py``
renders both and compares them).
"""

from __future__ import annotations

from flask import Flask, current_app, url_for
from markupsafe import Markup, escape

from schemas import vocab
from web.i18n import filesize, from_timestamp, locale
from web.template_gettext import translations

_PLACEHOLDER = "\x00"


def _dataset_href(name: object) -> str:
    """``url_for("pages.dataset", ref=name)``, the name quoted by the route's converter."""
    app = current_app
    to_url = app.url_map.converters["default"](app.url_map).to_url
    head, _, tail = url_for("pages.dataset", ref=_PLACEHOLDER).partition(to_url(_PLACEHOLDER))
    return f"{head}{to_url(str(name))}{tail}"


def _shown(value: object) -> Markup:
    """What ``{{ value }}`` writes: escaped, ``None`` as "None", a missing key as ""."""
    return escape("" if value is _MISSING else value)


_MISSING = object()


def dataset_card(doc: dict, snippets: dict | None = None, identical: int = 0) -> Markup:
    """The card of a search document ``doc`` (a hit's, or shaped like one)."""
    lang = locale()
    en = lang == "en"
    gettext = translations().ugettext
    get = doc.get
    if snippets:
        title = Markup(
            snippets.get("title_en") if en and snippets.get("title_en") else snippets.get("title")
        )
    else:
        title = escape((get("title_en") if en else None) or get("title") or "")
    openness = get("openness", _MISSING)
    out = [
        '<article class="result">\n  <h3><a href="',
        escape(_dataset_href(get("name"))),
        '">',
        title,
        '</a></h3>\n  <div class="meta">\n    <span class="badge openness-',
        _shown(openness),
        '">',
        _label(openness, "openness", lang),
        '</span>\n    <span class="badge kind">',
        _label(get("kind", _MISSING), "kind", lang),
        '</span>\n    <span class="publisher">',
        escape((get("publisher_title_en") if en else None) or get("publisher_title") or ""),
        "</span>\n    ",
    ]
    if get("modified"):
        out += ['<span class="date">', gettext("Updated"), " ", from_timestamp(get("modified"))]
        out.append("</span>")
    out.append("\n    ")
    for f in get("format") or []:
        out += ['<span class="fmt">', escape(f), "</span>"]
    out.append("\n    ")
    if identical:
        out += [
            '<span class="identical" title="',
            gettext("Records with the same title, description and publisher are shown once"),
            '">',
            Markup(
                translations().ungettext(
                    "%(num)d identical record", "%(num)d identical records", identical
                )
            )
            % {"num": identical},
            "</span>",
        ]
    out.append("\n  </div>\n  ")
    tasks, modalities = get("task"), get("modality")
    samples, size, volume = get("sample_total"), get("byte_size"), get("data_volume")
    if tasks or modalities or samples or size or volume:
        out.append('\n  <div class="meta ai">\n    ')
        for t in tasks or []:
            out += ['<span class="task">', _label(t, "task", lang), "</span>"]
        out.append("\n    ")
        for m in modalities or []:
            out += ['<span class="modality">', _label(m, "modality", lang), "</span>"]
        out.append("\n    ")
        if samples:
            said = Markup(gettext("%(n)s samples")) % {"n": f"{samples:,}"}
            out += ['<span class="samples">', said, "</span>"]
        out.append("\n    ")
        if size:
            out += ['<span class="size">', escape(filesize(size)), "</span>"]
        elif volume:
            out += ['<span class="size">', escape(volume), "</span>"]
        out.append("\n  </div>\n  ")
    out.append("\n  ")
    if snippets:
        text = (
            snippets.get("description_en")
            if en and snippets.get("description_en")
            else snippets.get("description")
        )
        out += ['\n  <p class="snippet">', Markup(text), "</p>\n  "]
    out.append("\n</article>")
    return Markup("".join(str(part) for part in out))


def _label(code: object, vocab_name: str, lang: str) -> Markup:
    return escape(vocab.label(vocab_name, None if code is _MISSING else code, lang))  # type: ignore[arg-type]


def register_dataset_cards(app: Flask) -> None:
    app.jinja_env.globals["dataset_card"] = dataset_card
