"""The plain Turtle writer (schemas/formats/turtle.py) writes the graph it is given: what it
writes parses back, with rdflib's own parser, to an isomorphic graph, whatever the literals
and IRIs hold. (tests/test_dcat.py runs the DCAT-AP shapes on what it writes for pages.)"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from schemas.formats.turtle import to_turtle

EX = Namespace("https://data.example/ns#")
# plain namespaces: pytest pokes at module attributes, which rdflib's closed ones warn about
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")


def _graph() -> Graph:
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("ex", EX)
    ds = URIRef("https://data.example/dataset/公交线路?lang=zh&x=1")
    g.add((ds, RDF["type"], DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal('公交线路 "引号" 与 \\ 反斜杠\n第二行\t制表', lang="zh")))
    g.add((ds, DCTERMS.title, Literal("Bus routes", lang="en")))
    g.add((ds, DCTERMS.description, Literal("'''三个单引号''' and \"\"\"three\"\"\" \r end")))
    g.add(
        (
            ds,
            DCTERMS.issued,
            Literal("2024-05-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")),
        )
    )
    g.add((ds, EX["byteSize"], Literal(12345678901234)))
    g.add((ds, EX["v1.0"], Literal(True)))  # a local part that is not a plain name
    g.add((ds, EX["1st"], Literal(1.5)))
    g.add((ds, URIRef("https://data.example/ns#"), Literal("empty local part")))
    g.add((ds, EX.emoji, Literal("表情 😀 и кириллица")))
    contact = BNode()
    g.add((ds, DCAT.contactPoint, contact))
    g.add((contact, EX.email, URIRef("mailto:open@data.example")))
    other = BNode()
    g.add((contact, EX.knows, other))
    g.add((other, EX.name, Literal("")))
    return g


def test_what_it_writes_parses_back_to_the_same_graph():
    g = _graph()
    body = to_turtle(g)
    back = Graph().parse(data=body, format="turtle")
    assert len(back) == len(g)
    assert isomorphic(back, g)


def test_it_declares_only_the_prefixes_it_uses():
    body = to_turtle(_graph()).decode("utf-8")
    assert "@prefix dcat: <http://www.w3.org/ns/dcat#> ." in body
    assert "@prefix xsd:" not in body and "@prefix owl:" not in body
    assert "ex:v1.0" not in body and "<https://data.example/ns#v1.0>" in body
