"""A plain RDF/XML writer for the catalog's DCAT graphs (issue 17, item 5).

rdflib's RDF/XML serializer, like its Turtle one, spends a catalog page's time finding a
prefixed name for every predicate against every bound namespace. This writer groups the
triples by subject into one ``rdf:Description`` each (``rdf:about`` or ``rdf:nodeID``),
writes predicates as qualified names -- the graph's own prefixes, or ``ns1``, ``ns2``, ...
for other namespaces -- and objects as ``rdf:resource``, ``rdf:nodeID`` or text with
``xml:lang`` / ``rdf:datatype``. Text is escaped so a reader gets it back exactly (``&``,
``<``, ``>`` and carriage returns, which XML would otherwise turn into line feeds).

It parses back to a graph isomorphic to the input (tests/test_rdf_writers.py) and the
DCAT-AP shapes run on it (tests/test_dcat.py). What plain RDF/XML cannot carry -- a predicate
without a local name XML accepts, a character XML 1.0 forbids, an XML literal -- sends the
graph to rdflib's serializer, which decides what to do with it.
"""

from __future__ import annotations

import re
from collections import defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from schemas.formats.qnames import LOCAL, namespaces, split

# characters XML 1.0 cannot hold at all, even as references
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)
_RDF_NS = str(RDF)
_XML_LITERALS = {RDF.XMLLiteral, RDF.HTML}
_TYPE = RDF.type  # looked up once: rdflib resolves a namespace attribute on every access


class _NotPlain(Exception):
    """Something plain RDF/XML cannot say: let rdflib write this graph."""


def _attr(text: str) -> str:
    if _NOT_XML.search(text):
        raise _NotPlain
    return text.translate(_ATTR)


def _text(text: str) -> str:
    if _NOT_XML.search(text):
        raise _NotPlain
    return text.translate(_TEXT)


def _body(graph: Graph) -> str:
    prefixes = namespaces(graph)
    prefixes[_RDF_NS] = "rdf"
    used: set[str] = {_RDF_NS}
    qnames: dict[URIRef, str] = {}
    blanks: dict[BNode, str] = {}

    def qname(pred: URIRef) -> str:
        text = qnames.get(pred)
        if text is None:
            ns, local = split(str(pred))
            if not ns or not LOCAL.match(local):
                raise _NotPlain
            prefix = prefixes.get(ns)
            if prefix is None:
                taken = set(prefixes.values())
                n = len(prefixes)
                while f"ns{n}" in taken:
                    n += 1
                prefix = prefixes[ns] = f"ns{n}"
            used.add(ns)
            text = qnames[pred] = f"{prefix}:{local}"
        return text

    def blank(t: BNode) -> str:
        label = blanks.get(t)
        if label is None:
            label = blanks[t] = f"b{len(blanks)}"
        return label

    def about(t: Node) -> str:
        if isinstance(t, URIRef):
            return f'rdf:about="{_attr(str(t))}"'
        if isinstance(t, BNode):
            return f'rdf:nodeID="{blank(t)}"'
        raise TypeError(f"not an RDF subject: {t!r}")

    def element(pred: URIRef, obj: Node) -> str:
        name = qname(pred)
        if isinstance(obj, URIRef):
            return f'<{name} rdf:resource="{_attr(str(obj))}"/>'
        if isinstance(obj, BNode):
            return f'<{name} rdf:nodeID="{blank(obj)}"/>'
        if isinstance(obj, Literal):
            if obj.language:
                attrs = f' xml:lang="{_attr(obj.language)}"'
            elif obj.datatype is not None:
                if obj.datatype in _XML_LITERALS:
                    raise _NotPlain
                attrs = f' rdf:datatype="{_attr(str(obj.datatype))}"'
            else:
                attrs = ""
            return f"<{name}{attrs}>{_text(str(obj))}</{name}>"
        raise TypeError(f"not an RDF term: {obj!r}")

    by_subject: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for subj, pred, obj in graph:
        by_subject[subj][pred].append(obj)
    out: list[str] = []
    for subj in sorted(by_subject, key=lambda x: (isinstance(x, BNode), str(x))):
        out.append(f"  <rdf:Description {about(subj)}>\n")
        for pred in sorted(by_subject[subj], key=lambda p: (p != _TYPE, str(p))):
            if not isinstance(pred, URIRef):
                raise _NotPlain
            lines = sorted(element(pred, o) for o in by_subject[subj][pred])
            out.extend(f"    {line}\n" for line in lines)
        out.append("  </rdf:Description>\n")
    decls = "".join(
        f'\n   xmlns:{prefixes[ns]}="{_attr(ns)}"'
        for ns in sorted(used, key=lambda ns: prefixes[ns])
    )
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}\n>\n'
    return head + "".join(out) + "</rdf:RDF>\n"


def to_rdfxml(graph: Graph) -> bytes:
    """The graph as RDF/XML, UTF-8."""
    try:
        return _body(graph).encode("utf-8")
    except _NotPlain:
        body = graph.serialize(format="xml")
        return body.encode("utf-8") if isinstance(body, str) else body
