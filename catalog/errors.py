"""Errors the services raise; every surface maps them to its own shape (page, JSON, CLI)."""

from __future__ import annotations

from schemas.messages import localize_errors


class CatalogError(Exception):
    status = 400


class ValidationFailed(CatalogError):
    """Field-level problems; ``messages`` is marshmallow's dict, in English until localized."""

    status = 422

    def __init__(self, messages: dict):
        super().__init__("invalid input")
        self.messages = messages

    def localized(self, locale: str) -> dict:
        return localize_errors(self.messages, locale)  # type: ignore[return-value]


class PermissionDenied(CatalogError):
    status = 403


class NotFound(CatalogError):
    status = 404


class Conflict(CatalogError):
    status = 409
