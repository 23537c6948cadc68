"""The password policy every surface that sets a password applies (registration, the
``catalog users create`` command, password change and reset), and the dummy hash sign-in
checks against when the e-mail has no account, so both answers take as long.

A password is refused when it is shorter than ``MIN_LENGTH``, all digits, one character
repeated, equal to the account's e-mail address, its local part or the account's name
(ignoring case and spaces), or one of the common passwords below (leaked-password lists'
top entries of 10 characters or more, Chinese ones included).
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 200

COMMON = frozenset(
    {
        "1234567890",
        "0123456789",
        "0987654321",
        "12345678910",
        "123456789a",
        "123456789q",
        "a123456789",
        "abc1234567",
        "abcd123456",
        "1234567890a",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "1qazxsw23edc",
        "qwertyuiop",
        "qwerty1234",
        "qwerty12345",
        "qwerty123456",
        "asdfghjkl1",
        "asdfghjkl;",
        "zxcvbnm123",
        "abcdefghij",
        "abcdefg123",
        "password12",
        "password123",
        "password1234",
        "password!1",
        "passw0rd123",
        "p@ssw0rd123",
        "p@ssword123",
        "iloveyou12",
        "iloveyou123",
        "welcome123",
        "welcome1234",
        "letmein123",
        "administrator",
        "admin12345",
        "admin123456",
        "changeme123",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "monkey1234",
        "dragon1234",
        "master1234",
        "superman123",
        "trustno1trustno1",
        "woaini1314",
        "woaini5201314",
        "5201314520",
        "1314520520",
        "aa12345678",
        "qq12345678",
        "wang123456",
        "zhang123456",
        "li123456789",
        "baoding123",
        "dataportal",
        "opendata123",
    }
)


def problems(password: str, email: str | None = None, name: str | None = None) -> list[str]:
    """What is wrong with ``password`` for this account (empty when it is acceptable)."""
    return weaknesses(password) or likeness(password, email, name)


def weaknesses(password: str) -> list[str]:
    """What is wrong with ``password`` whoever's it is."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return [f"Shorter than minimum length {MIN_LENGTH}."]
    if len(password) > MAX_LENGTH:
        return [f"Longer than maximum length {MAX_LENGTH}."]
    folded = _fold(password)
    if folded.isdigit():
        return ["A password must not be only digits."]
    if len(set(folded)) == 1:
        return ["A password must not be one character repeated."]
    if folded in COMMON:
        return ["This password is too common. Choose another."]
    return []


def likeness(password: str, email: str | None, name: str | None) -> list[str]:
    """A password equal to the account's e-mail address, its local part or the name."""
    own = set()
    if email:
        address = email.strip().casefold()
        own |= {address, address.split("@", 1)[0]}
    if name:
        own.add(_fold(name))
    if _fold(password or "") in own:
        return ["A password must not be your e-mail address or name."]
    return []


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("no account has this password: it only spends the time")


def spend_check_time(password: str) -> None:
    """Verify ``password`` against a dummy hash of the same method and cost as real ones,
    so an unknown e-mail takes as long to refuse as a wrong password."""
    check_password_hash(_dummy_hash(), password or "")
