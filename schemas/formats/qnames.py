"""Prefixed names for the direct RDF writers (Turtle, JSON-LD, RDF/XML; issue 17, item 5).

rdflib's serializers choose a prefixed name for every term by trying every bound namespace,
which is most of what a 100-dataset catalog page costs them. The writers here need only a
dictionary look-up: the text of an IRI up to its last ``#`` or ``/`` is the namespace, the rest
the local name, kept only when it is a plain name every syntax accepts (letters, digits, ``_``
and ``-``, not starting with a digit or ``-``). Anything else is written as a full IRI.
"""

from __future__ import annotations

import re

from rdflib import Graph

# a conservative local name: valid as Turtle's PN_LOCAL, XML's NCName and a JSON-LD suffix
LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


def namespaces(graph: Graph) -> dict[str, str]:
    """The graph's bound namespaces usable as prefixes, namespace IRI -> prefix."""
    return {str(ns): prefix for prefix, ns in graph.namespaces() if prefix and PREFIX.match(prefix)}


def split(iri: str) -> tuple[str, str]:
    """(namespace, local name) of ``iri``: cut after its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut], iri[cut:]


def prefixed(iri: str, prefixes: dict[str, str]) -> tuple[str, str] | None:
    """(namespace, ``prefix:local``) when ``iri`` has a plain name in a known namespace."""
    ns, local = split(iri)
    prefix = prefixes.get(ns) if ns else None
    if prefix is None or not LOCAL.match(local):
        return None
    return ns, f"{prefix}:{local}"


class Compact:
    """The prefixed names of one document: each IRI looked up once, and the namespaces the
    document used remembered, since a writer declares only those (Turtle's ``@prefix``
    lines, JSON-LD's context)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        self.used: set[str] = set()
        self._names: dict[str, str | None] = {}

    def name(self, iri: str) -> str | None:
        """``prefix:local`` for ``iri``, or None when it must be written in full."""
        try:
            return self._names[iri]
        except KeyError:
            pass
        hit = prefixed(iri, self.prefixes)
        text = None
        if hit is not None:
            self.used.add(hit[0])
            text = hit[1]
        self._names[iri] = text
        return text
