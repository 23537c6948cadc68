"""marshmallow's URL rule with a memory of the texts it passed, shared by every check with
the same settings.

A harvested link is checked up to four times on its way in (the lenient remote field, the
distribution checked on its own, the same distribution inside the dataset's load, the
landing page), each time by a long regular expression. The answer depends only on the
text and the rule's settings, so a text once passed is passed again without the
expression; a text that fails is always checked again (marshmallow then gives its message).
"""

from __future__ import annotations

from collections.abc import Callable

from marshmallow import ValidationError, validate

# texts kept per set of settings; the memory starts again when full (it only needs to
# span the few checks of one record)
LIMIT = 4096
_passed: dict[tuple, set[str]] = {}


def checker(rule: validate.URL) -> Callable[[str], bool]:
    """``rule(text)`` passes, as a test: True or False (other errors propagate)."""
    key = (rule.relative, rule.absolute, rule.require_tld, frozenset(rule.schemes))
    seen = _passed.setdefault(key, set())

    def passes(text: str) -> bool:
        if text in seen:
            return True
        try:
            rule(text)
        except ValidationError:
            return False
        if len(seen) >= LIMIT:
            seen.clear()
        seen.add(text)
        return True

    return passes
