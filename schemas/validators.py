"""Validators shared by the schemas."""

from __future__ import annotations

import re

from marshmallow import ValidationError

from schemas import vocab

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def credit_code_ok(code: str) -> bool:
    """GB 32100-2015: the 18th character is a mod-31 check over the first 17."""
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return _CREDIT_CHARS[check] == code[17]


def credit_code_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=False))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> None:
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        raise ValidationError(
            "Invalid unified social credit code: must be 18 characters of digits and capital "
            "letters (no I, O, S, V, Z)."
        )
    if not credit_code_ok(code):
        raise ValidationError("Invalid unified social credit code: check character does not match.")


def validate_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise ValidationError("Name may contain only lowercase letters, digits, '-' and '_'.")


def in_vocab(name: str):
    """A validator accepting only codes of vocabulary ``name`` (regions are read at call time)."""

    def _check(value: str) -> None:
        table = vocab.regions() if name == "regions" else _TABLES[name]
        if value not in table:
            raise ValidationError(f"Unknown code '{value}' in {name}.")

    return _check


_TABLES = {
    "themes": vocab.THEMES,
    "tasks": vocab.TASKS,
    "modalities": vocab.MODALITIES,
    "languages": vocab.LANGUAGES,
}
