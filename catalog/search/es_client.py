"""Connecting to Elasticsearch or OpenSearch from ``CATALOG_SEARCH_URL``.

The two engines are driven by their own official clients (``elasticsearch`` refuses to talk
to OpenSearch and the reverse is unsupported), but for the calls the catalog makes the two
clients have the same shape: ``search(index=, body=)``, ``indices.create(index=, body=)``,
``helpers.streaming_bulk``... What differs (constructor, exception classes) is gathered here
so the backend has one code path.

URL forms (several hosts separated by commas; the path is the prefix of the index names)::

    opensearch://host:9200/catalog              elasticsearch://host:9200/catalog
    opensearch+https://user:pw@h1:9200,h2:9200/catalog?verify_certs=false
    elasticsearch+https://user:pw@host:9200/catalog?ca_certs=/etc/ssl/es-ca.pem

Query options: ``timeout`` (seconds per request, default 10; searches fail with
``SearchUnavailable`` past it), ``bulk_timeout`` (default 120), ``shards`` (default 1),
``replicas`` (a number or an ``auto_expand_replicas`` range, default ``0-all``),
``bigrams`` (``python`` or ``engine``), ``verify_certs``, ``ca_certs``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = {
    "opensearch": ("opensearch", "http"),
    "opensearch+http": ("opensearch", "http"),
    "opensearch+https": ("opensearch", "https"),
    "opensearchs": ("opensearch", "https"),
    "elasticsearch": ("elasticsearch", "http"),
    "elasticsearch+http": ("elasticsearch", "http"),
    "elasticsearch+https": ("elasticsearch", "https"),
    "elasticsearchs": ("elasticsearch", "https"),
}
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,100}$")


@dataclass
class ClusterUrl:
    """A parsed ``CATALOG_SEARCH_URL`` for a search cluster."""

    engine: str  # "opensearch" | "elasticsearch"
    hosts: list[str]  # scheme://host:port, no credentials
    prefix: str
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    bulk_timeout: float = 120.0
    shards: int = 1
    replicas: str = "0-all"
    bigrams: str = "python"
    verify_certs: bool = True
    ca_certs: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def alias(self) -> str:
        """The name searches and writes use; it points at one timestamped index."""
        return f"{self.prefix}-datasets"

    def display(self) -> str:
        """The URL without credentials, for health reports and messages."""
        return f"{self.engine}+{','.join(self.hosts)}/{self.prefix}"


def parse_cluster_url(url: str) -> ClusterUrl:
    """Parse and check a cluster URL; a mistake is a ``ValueError`` naming it."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise ValueError(f"not a search cluster URL: {url!r}")
    engine, http_scheme = SCHEMES[scheme.lower()]
    netloc, _, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    if "?" in netloc:
        netloc, _, query = netloc.partition("?")
    user = password = None
    if "@" in netloc:
        creds, _, netloc = netloc.rpartition("@")
        user, _, pw = creds.partition(":")
        user, password = unquote(user), unquote(pw) if pw else None
    hosts = []
    for hostport in filter(None, netloc.split(",")):
        parts = urlsplit(f"//{hostport}")
        if not parts.hostname:
            raise ValueError(f"search URL {url!r}: bad host {hostport!r}")
        hosts.append(f"{http_scheme}://{hostport if parts.port else hostport + ':9200'}")
    if not hosts:
        raise ValueError(f"search URL {url!r} names no host")
    prefix = path.strip("/") or "catalog"
    if not _PREFIX.match(prefix):
        raise ValueError(
            f"search URL {url!r}: index prefix {prefix!r} must be lowercase letters, digits, "
            "'-' or '_'"
        )
    opts = {k: v[-1] for k, v in parse_qs(query).items()}
    cfg = ClusterUrl(engine, hosts, prefix, user, password, options=opts)
    try:
        cfg.timeout = float(opts.get("timeout", cfg.timeout))
        cfg.bulk_timeout = float(opts.get("bulk_timeout", cfg.bulk_timeout))
        cfg.shards = int(opts.get("shards", cfg.shards))
    except ValueError as exc:
        raise ValueError(f"search URL {url!r}: {exc}") from None
    cfg.replicas = opts.get("replicas", cfg.replicas)
    if not re.fullmatch(r"\d+|\d+-(\d+|all)", cfg.replicas):
        raise ValueError(f"search URL {url!r}: replicas must be a number or a range like 0-all")
    cfg.bigrams = opts.get("bigrams", cfg.bigrams)
    if cfg.bigrams not in ("python", "engine"):
        raise ValueError(f"search URL {url!r}: bigrams must be python or engine")
    cfg.verify_certs = opts.get("verify_certs", "true").lower() not in ("0", "false", "no")
    cfg.ca_certs = opts.get("ca_certs")
    return cfg


@dataclass
class Engine:
    """One client and what differs between the two engines' client libraries."""

    kind: str
    client: Any  # requests time out after ``timeout``
    bulk_client: Any  # the same connections, with ``bulk_timeout`` (loads, waits)
    streaming_bulk: Callable[..., Any]
    connection_errors: tuple[type[BaseException], ...]
    not_found: type[BaseException]
    api_error: type[BaseException]

    def status(self, exc: BaseException) -> int | None:
        """The HTTP status of an engine error (both libraries' spellings)."""
        meta = getattr(exc, "meta", None)
        if meta is not None and getattr(meta, "status", None):
            return int(meta.status)
        code = getattr(exc, "status_code", None)
        return int(code) if isinstance(code, int) else None

    def close(self) -> None:
        self.client.close()
        if self.bulk_client is not self.client:
            self.bulk_client.close()


def connect(cfg: ClusterUrl) -> Engine:
    """A client for the engine the URL names. No request is made: an engine that is down
    now is reported by the first search, not at startup (pages must still serve)."""
    if cfg.engine == "opensearch":
        return _opensearch(cfg)
    return _elasticsearch(cfg)


def _opensearch(cfg: ClusterUrl) -> Engine:
    import opensearchpy
    from opensearchpy import helpers

    kwargs: dict = {
        "timeout": cfg.timeout,
        "max_retries": 1,
        "retry_on_timeout": False,
        "http_compress": False,  # on a LAN gzip costs more CPU than it saves time
    }
    if cfg.username:
        kwargs["http_auth"] = (cfg.username, cfg.password or "")
    if any(h.startswith("https") for h in cfg.hosts):
        kwargs.update(use_ssl=True, verify_certs=cfg.verify_certs, ssl_show_warn=False)
        if cfg.ca_certs:
            kwargs["ca_certs"] = cfg.ca_certs
    client = opensearchpy.OpenSearch(hosts=cfg.hosts, **kwargs)
    bulk_client = opensearchpy.OpenSearch(
        hosts=cfg.hosts, **(kwargs | {"timeout": cfg.bulk_timeout})
    )
    return Engine(
        kind="opensearch",
        client=client,
        bulk_client=bulk_client,
        streaming_bulk=helpers.streaming_bulk,
        connection_errors=(opensearchpy.ConnectionError,),
        not_found=opensearchpy.NotFoundError,
        api_error=opensearchpy.TransportError,
    )


def _elasticsearch(cfg: ClusterUrl) -> Engine:
    import elastic_transport
    import elasticsearch
    from elasticsearch import helpers

    kwargs: dict = {
        "request_timeout": cfg.timeout,
        "max_retries": 1,
        "retry_on_timeout": False,
        "http_compress": False,  # on a LAN gzip costs more CPU than it saves time
    }
    if cfg.username:
        kwargs["basic_auth"] = (cfg.username, cfg.password or "")
    if any(h.startswith("https") for h in cfg.hosts):
        kwargs.update(verify_certs=cfg.verify_certs, ssl_show_warn=False)
        if cfg.ca_certs:
            kwargs["ca_certs"] = cfg.ca_certs
    client = elasticsearch.Elasticsearch(hosts=cfg.hosts, **kwargs)
    return Engine(
        kind="elasticsearch",
        client=client,
        bulk_client=client.options(request_timeout=cfg.bulk_timeout),
        streaming_bulk=helpers.streaming_bulk,
        connection_errors=(elastic_transport.TransportError,),
        not_found=elasticsearch.NotFoundError,
        api_error=elasticsearch.ApiError,
    )
