"""The direct JSON-LD and RDF/XML writers (schemas/formats/jsonld.py, rdfxml.py) write the
graph they are given: what they write parses back, with rdflib's own parsers, to an
isomorphic graph, whatever the literals and IRIs hold; what they cannot write plainly goes
to rdflib's serializer and still parses back. (tests/test_turtle_writer.py does the same
for Turtle; tests/test_dcat.py runs the DCAT-AP shapes on what all three write for pages.)"""

from __future__ import annotations

import json

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from schemas.formats.jsonld import to_jsonld
from schemas.formats.rdfxml import to_rdfxml
from tests.test_turtle_writer import DCAT, EX, RDF, _graph

WRITERS = {"json-ld": to_jsonld, "xml": to_rdfxml}


def _speakable(fmt: str) -> Graph:
    """The Turtle test's graph; for RDF/XML without the predicates no XML name can hold
    (``ns#``, ``ns#1st``, ``ns#v1.0``: rdflib's serializer refuses the first one too)."""
    g = _graph()
    if fmt == "xml":
        for pred in (URIRef(str(EX)), EX["1st"], EX["v1.0"]):
            g.remove((None, pred, None))
    return g


@pytest.mark.parametrize("fmt", WRITERS)
def test_what_it_writes_parses_back_to_the_same_graph(fmt):
    g = _speakable(fmt)
    back = Graph().parse(data=WRITERS[fmt](g), format=fmt)
    assert len(back) == len(g)
    assert isomorphic(back, g)


def _unusual() -> Graph:
    """Predicates in namespaces nobody bound, a node with two types, IRIs needing escapes in
    XML attributes, a blank node subject with a typed literal, carriage returns."""
    g = Graph()
    g.bind("dcat", DCAT)
    ds = URIRef("https://data.example/d?a=1&b=2;c='3'")
    g.add((ds, RDF["type"], DCAT.Dataset))
    g.add((ds, RDF["type"], EX.Thing))
    g.add((ds, URIRef("https://other.example/vocab/size"), Literal(7)))
    g.add((ds, URIRef("https://third.example/v#ratio"), Literal("0.25", datatype=EX.decimal)))
    g.add((ds, DCAT.keyword, Literal("a\r\nb & <c> ]]>")))
    g.add((ds, DCAT.keyword, Literal("a\r\nb & <c> ]]>", lang="en")))
    node = BNode()
    g.add((node, EX.of, ds))
    g.add((node, EX.at, Literal("2024-01-01T00:00:00", datatype=URIRef(str(EX) + "dt"))))
    return g


@pytest.mark.parametrize("fmt", WRITERS)
def test_unbound_namespaces_and_escapes_survive(fmt):
    g = _unusual()
    back = Graph().parse(data=WRITERS[fmt](g), format=fmt)
    assert isomorphic(back, g)


def test_jsonld_declares_only_the_prefixes_it_uses_and_no_json_numbers():
    doc = json.loads(to_jsonld(_graph()))
    assert set(doc["@context"]) == {"dcat", "dct", "ex", "xsd"}
    ds = next(n for n in doc["@graph"] if n.get("@type") == "dcat:Dataset")
    assert ds["ex:byteSize"] == {
        "@value": "12345678901234",
        "@type": "xsd:integer",
    }
    assert {"@value": "Bus routes", "@language": "en"} in ds["dct:title"]


def test_jsonld_writes_in_full_a_namespace_whose_prefix_is_also_a_scheme():
    """``ex:thing`` beside a prefix ``ex`` would be read as a prefixed name (rdflib's own
    serializer gets this wrong): the prefix leaves the context."""
    g = Graph()
    g.bind("ex", EX)
    g.bind("dcat", DCAT)
    g.add((EX.a, DCAT.sees, URIRef("ex:not-a-prefixed-name")))
    doc = json.loads(to_jsonld(g))
    assert set(doc["@context"]) == {"dcat"}
    assert isomorphic(Graph().parse(data=json.dumps(doc), format="json-ld"), g)


@pytest.mark.parametrize(
    "triple",
    [
        (EX.a, URIRef("https://data.example/ns/1st"), Literal("no XML name after the slash")),
        (EX.a, EX.b, Literal("bell \x07 in text")),
    ],
)
def test_rdfxml_leaves_what_it_cannot_write_plainly_to_rdflib(triple):
    g = Graph()
    g.bind("ex", EX)
    g.add(triple)
    assert to_rdfxml(g) == g.serialize(format="xml", encoding="utf-8")


def test_rdfxml_names_unbound_namespaces():
    body = to_rdfxml(_unusual()).decode("utf-8")
    assert "xmlns:ns" in body and 'xmlns:dcat="http://www.w3.org/ns/dcat#"' in body
    assert "&#13;" in body and "&amp;" in body and "]]&gt;" in body


def _named(fmt: str) -> Graph:
    """The graph without its blank nodes (whose labels are random per graph): the catalog's
    graphs name every node (hash IRIs under the dataset's), for this reason."""
    g = _speakable(fmt)
    for triple in list(g):
        if any(isinstance(t, BNode) for t in triple):
            g.remove(triple)
    return g


def test_same_graph_same_bytes():
    """Stable bodies give stable ETags and readable diffs between two exports."""
    for fmt, writer in WRITERS.items():
        assert writer(_named(fmt)) == writer(_named(fmt))
