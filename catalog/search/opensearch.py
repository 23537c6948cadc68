"""The cluster search backend: Elasticsearch 8/9 or OpenSearch 2.x behind the search interface.

For deployments that outgrow one machine (``CATALOG_SEARCH_URL=opensearch://...`` or
``elasticsearch://...``; see es_client.py). Queries and documents come from es_query.py,
so both engines answer alike and like the embedded backend (the contract suite runs on
both backends against a real OpenSearch node).

* Searches and writes go through an alias (``<prefix>-datasets``) that points at one
  timestamped index. A rebuild fills a new index (no refreshes, no replicas while it
  loads), then moves the alias in one ``_aliases`` call (remove + add are atomic), so a
  search is always answered by a complete index, before, during and after.
* Many processes may write at once (the engine orders them); every write is a bulk
  request through ``helpers.streaming_bulk``. A document the engine rejects (a mapping
  error, say) is reported with its id and reason and the others are indexed; an engine
  that is down, slow or overloaded (429 after retries) raises ``SearchUnavailable``, so
  the outbox keeps the changes queued until it answers again.
* Writes refresh before they return (``refresh=True``): the catalog's writes are small
  batches and a dataset saved must be findable at once, as with the embedded backend.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from catalog.search import es_query as eq
from catalog.search import spelling
from catalog.search.base import Hit, SearchQuery, SearchResult, SearchUnavailable
from catalog.search.es_client import ClusterUrl, Engine, connect, parse_cluster_url
from catalog.search.pinyin import split_syllables

log = logging.getLogger(__name__)

_BULK_CHUNK = 1000
_REBUILD_PROGRESS = 1000
# a rebuild whose rejected share is larger than this is not swapped in: the live index
# stays, and the rejections are reported (a bad mapping must not empty the search)
MAX_REJECTED_FRACTION = 0.01
# indices of a rebuild that died (killed process) are removed by a later rebuild once
# they are this old; a younger one may belong to a rebuild still running elsewhere
_ORPHAN_AGE_S = 6 * 3600
# while a rebuild loads its new index nobody searches it: no refreshes, no replicas (they
# are copied once at the end), translog fsync'd in the background (a crash loses only the
# rebuild, which is then run again)
_LOADING = {
    "refresh_interval": "-1",
    "number_of_replicas": 0,
    "auto_expand_replicas": False,
    "translog.durability": "async",
}


@dataclass
class Rejection:
    """A document the engine refused: which, and why (the engine's own words)."""

    id: str
    status: int
    reason: str

    def __str__(self) -> str:
        return f"{self.id}: {self.reason} (HTTP {self.status})"


class RebuildRejected(RuntimeError):
    """Too many documents were refused for the new index to replace the live one."""

    def __init__(self, message: str, rejected: list[Rejection]):
        super().__init__(message)
        self.rejected = rejected


def _reason(error: object) -> str:
    if isinstance(error, dict):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}".strip(": ")
        cause = error.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" (caused by {cause.get('type')}: {cause['reason']})"
        return reason
    return str(error)


class ClusterBackend:
    """Search on an Elasticsearch or OpenSearch cluster; see the module docstring."""

    def __init__(
        self, url: str | ClusterUrl, synonyms_file: str | None = None, create: bool = False
    ):
        self.cfg = url if isinstance(url, ClusterUrl) else parse_cluster_url(url)
        self.name = self.cfg.engine
        self.alias = self.cfg.alias
        self.builder = eq.QueryBuilder(synonyms_file, self.cfg.bigrams)
        self.engine: Engine = connect(self.cfg)
        self.rejected: list[Rejection] = []  # of the last write
        if create:
            with self._guard("creating the index"):
                self._ensure_index()

    # -- errors ---------------------------------------------------------------------------
    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Engine failures as the catalog speaks of them: down, slow, overloaded or without
        an index -> SearchUnavailable with what to do; a request the engine finds malformed
        is a bug of ours and propagates."""
        e = self.engine
        try:
            yield
        except e.connection_errors as exc:
            kind = (
                "did not answer in time"
                if "timeout" in type(exc).__name__.lower()
                else "is unreachable"
            )
            raise SearchUnavailable(
                f"search engine {self.cfg.display()} {kind} while {doing} "
                f"({type(exc).__name__}); changes stay queued until it is back"
            ) from exc
        except e.not_found as exc:
            raise SearchUnavailable(
                f"search index {self.alias!r} missing on {self.cfg.display()}; "
                "run `catalog search rebuild`"
            ) from exc
        except e.api_error as exc:
            status = e.status(exc)
            if status is not None and (status >= 500 or status == 429):
                raise SearchUnavailable(
                    f"search engine {self.cfg.display()} failed while {doing} "
                    f"(HTTP {status}): {exc}"
                ) from exc
            if status in (401, 403):
                raise SearchUnavailable(
                    f"search engine {self.cfg.display()} refused the credentials of "
                    f"CATALOG_SEARCH_URL (HTTP {status})"
                ) from exc
            if status == 406 or type(exc).__name__ == "UnsupportedProductError":
                raise SearchUnavailable(
                    f"the server at {self.cfg.display()} does not speak {self.name}'s API "
                    "(an Elasticsearch URL pointing at OpenSearch, or the reverse?)"
                ) from exc
            raise

    # -- index management -----------------------------------------------------------------
    @property
    def _pattern(self) -> str:
        return f"{self.alias}-*"

    def _put_template(self) -> None:
        body = eq.index_template(
            self._pattern, self.cfg.shards, self.cfg.replicas, self.cfg.bigrams
        )
        self.engine.client.indices.put_index_template(name=self.alias, body=body)

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def _aliases(self) -> dict[str, set[str]]:
        """Every index of this catalog (``<alias>-*``) with its aliases. Asked by pattern,
        which answers {} rather than 404 when there is none."""
        found = self.engine.client.indices.get_alias(index=self._pattern)
        return {name: set(body.get("aliases") or {}) for name, body in found.items()}

    def _aliased(self) -> list[str]:
        """The indices the alias points at now (one, except during a botched swap)."""
        return sorted(n for n, aliases in self._aliases().items() if self.alias in aliases)

    def indices(self) -> list[str]:
        """Every index of this catalog, live or not (a finished rebuild leaves one)."""
        with self._guard("listing indices"):
            return sorted(self._aliases())

    def _ensure_index(self) -> None:
        """The template, and an empty index behind the alias unless one is there already
        (``catalog init``; never replaces data: only a rebuild does)."""
        self._put_template()
        if self._aliased():
            return
        index = self._new_index_name()
        self.engine.client.indices.create(
            index=index, body={"aliases": {self.alias: {}}}, wait_for_active_shards="1"
        )

    def drop(self) -> None:
        """Delete the alias's indices and the template (tests and teardown only)."""
        with self._guard("dropping the index"):
            c = self.engine.client
            # by name: clusters refuse wildcard deletes (action.destructive_requires_name)
            names = sorted(self._aliases())
            if names:
                c.indices.delete(index=",".join(names))
            with suppress(self.engine.not_found):
                c.indices.delete_index_template(name=self.alias)

    # -- writing --------------------------------------------------------------------------
    def _bulk(
        self,
        actions: Iterable[dict],
        *,
        refresh: bool,
        progress: Callable[[int], None] | None = None,
        loading: bool = False,
    ) -> tuple[int, list[Rejection]]:
        """Stream actions in chunks; returns (documents written, rejections).

        429s (the engine's write queue is full) are retried with backoff by the helper;
        a delete of a document that is not there is no error. Outbox batches use the short
        request timeout (a user's save must not hang on a stuck engine: the change stays
        queued); a rebuild's load (``loading``) gets ``bulk_timeout``.
        """
        done = 0
        rejected: list[Rejection] = []
        pending = 0
        results = self.engine.streaming_bulk(
            self.engine.bulk_client if loading else self.engine.client,
            actions,
            chunk_size=_BULK_CHUNK,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=3,
            initial_backoff=1,
            max_backoff=10,
            refresh=refresh,
        )
        for ok, item in results:
            op, info = next(iter(item.items()))
            status = int(info.get("status", 0))
            if ok or (op == "delete" and status == 404):
                done += 1
            else:
                rejected.append(Rejection(str(info.get("_id")), status, _reason(info.get("error"))))
            if progress:
                pending += 1
                if pending == _REBUILD_PROGRESS:
                    progress(pending)
                    pending = 0
        if progress and pending:
            progress(pending)
        for r in rejected:
            log.warning("search engine rejected dataset %s", r)
        if any(r.status == 429 or r.status >= 500 for r in rejected):
            raise SearchUnavailable(
                f"search engine {self.cfg.display()} is overloaded or failing: "
                + "; ".join(str(r) for r in rejected[:3])
            )
        return done, rejected

    def index(self, docs: Iterable[dict]) -> int:
        """Add or replace documents; returns how many were indexed (see ``rejected``)."""
        with self._guard("indexing"):
            n, self.rejected = self._bulk(
                eq.bulk_actions(self.alias, docs, (), self.cfg.bigrams), refresh=True
            )
        return n

    def delete(self, ids: Iterable[str]) -> int:
        with self._guard("deleting"):
            n, self.rejected = self._bulk(
                eq.bulk_actions(self.alias, (), ids, self.cfg.bigrams), refresh=True
            )
        return n

    def apply(self, upserts: Iterable[dict], deletes: Iterable[str]) -> list[Rejection]:
        """Upserts and deletes in one bulk stream, as the outbox drains them.

        Returns the documents the engine refused (reported, not retried: the same document
        would be refused again); raises SearchUnavailable when the engine cannot take the
        batch, which leaves it queued. Re-sending a batch is harmless (writes are by id).
        """
        with self._guard("applying index changes"):
            _n, self.rejected = self._bulk(
                eq.bulk_actions(self.alias, upserts, deletes, self.cfg.bigrams), refresh=True
            )
        return self.rejected

    def rebuild(self, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Fill a new timestamped index, then swap the alias to it atomically.

        Searches keep being answered by the old index until the swap, and by the new one
        from the swap on; the old index is then deleted. If the load fails, or more than
        1 % of the documents are refused, the new index is dropped and the live one stays.
        """
        c = self.engine.client
        with self._guard("rebuilding the index"):
            self._put_template()
            index = self._new_index_name()
            c.indices.create(
                index=index,
                body={"settings": _LOADING},
                wait_for_active_shards="1",
            )
            try:
                n, rejected = self._bulk(
                    eq.bulk_actions(index, docs, (), self.cfg.bigrams),
                    refresh=False,
                    progress=progress,
                    loading=True,
                )
                self.rejected = rejected
                if rejected and len(rejected) > MAX_REJECTED_FRACTION * (n + len(rejected)):
                    raise RebuildRejected(
                        f"the engine refused {len(rejected)} of {n + len(rejected)} documents; "
                        f"the live index was kept. First: {rejected[0]}",
                        rejected,
                    )
                self._finish_load(index)
                self._swap(index)
            except BaseException:
                c.indices.delete(index=index, ignore_unavailable=True)
                raise
        return n

    def _finish_load(self, index: str) -> None:
        """Give the loaded index the template's refresh and replica settings, make its
        documents visible, and wait until it can serve (replicas allocated where there are
        nodes for them)."""
        c = self.engine.client
        settings = eq.index_settings(self.cfg.shards, self.cfg.replicas, self.cfg.bigrams)
        restore: dict = {"refresh_interval": None, "translog.durability": None}
        if "auto_expand_replicas" in settings:
            restore["auto_expand_replicas"] = settings["auto_expand_replicas"]
        else:
            restore["number_of_replicas"] = settings["number_of_replicas"]
        c.indices.put_settings(index=index, body={"index": restore})
        c.indices.refresh(index=index)
        # the engine's default wait is 30 s (opensearch-py would read a `timeout` argument
        # as its own request timeout, so none is passed)
        health = self.engine.bulk_client.cluster.health(index=index, wait_for_status="green")
        if health.get("status") == "red":
            raise SearchUnavailable(f"new index {index} did not become available: {health}")

    def _swap(self, index: str) -> None:
        """Point the alias at ``index`` alone in one atomic ``_aliases`` call, then delete
        the indices it pointed at before (and orphans of rebuilds that died)."""
        c = self.engine.client
        old = [i for i in self._aliased() if i != index]
        actions: list[dict] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions.append({"add": {"index": index, "alias": self.alias}})
        c.indices.update_aliases(body={"actions": actions})
        stale = set(old) | self._orphans(keep=index)
        if stale:
            c.indices.delete(index=",".join(sorted(stale)), ignore_unavailable=True)

    def _orphans(self, keep: str) -> set[str]:
        c = self.engine.client
        info = c.indices.get_settings(index=self._pattern, name="index.creation_date")
        now_ms = time.time() * 1000
        out = set()
        for name, body in info.items():
            created = int(body["settings"]["index"]["creation_date"])
            if name != keep and now_ms - created > _ORPHAN_AGE_S * 1000:
                out.add(name)
        return out - set(self._aliased())

    def close(self) -> None:
        self.engine.close()

    # -- reading --------------------------------------------------------------------------
    def count(self) -> int:
        with self._guard("counting"):
            return int(self.engine.client.count(index=self.alias)["count"])

    def health(self) -> dict:
        """{backend, ok, documents, ...}: ok when the cluster answers, is not red and the
        alias points at an index; the index behind the alias and the cluster's status and
        size are there for operators."""
        out: dict = {"backend": self.name, "url": self.cfg.display(), "alias": self.alias}
        try:
            with self._guard("checking health"):
                c = self.engine.client
                cluster = c.cluster.health()
                indices = self._aliased()
                out.update(
                    cluster=cluster.get("cluster_name"),
                    status=cluster.get("status"),
                    nodes=cluster.get("number_of_nodes"),
                    index=indices[0] if len(indices) == 1 else indices,
                )
                if not indices:
                    raise SearchUnavailable(
                        f"search index {self.alias!r} missing; run `catalog search rebuild`"
                    )
                out["documents"] = self.count()
                out["ok"] = cluster.get("status") in ("green", "yellow")
                if not out["ok"]:
                    out["error"] = f"cluster status {cluster.get('status')}"
        except SearchUnavailable as exc:
            out.update(ok=False, error=str(exc))
        return out

    def search(self, query: SearchQuery) -> SearchResult:
        query.validate()
        built = self.builder.build(query)
        resp = self._search(query, built)
        plan = built.plan
        if plan is not None and plan.wants_relaxing(eq.read_total(resp)):
            relaxed = plan.relax()
            if relaxed is not None:
                built = self.builder.build(query, relaxed)
                resp = self._search(query, built)
        if plan is not None and plan.has_text and eq.read_total(resp) == 0:
            syllables = split_syllables(query.text)
            if syllables:
                built = self.builder.build(query, built.plan, syllables)
                resp = self._search(query, built)
        did_you_mean = None
        if plan is not None and plan.has_text and eq.read_total(resp) == 0:
            did_you_mean = self._did_you_mean(query.text, plan)
        hits = eq.read_hits(resp, built.highlight_terms, query)
        collapsed = [h.doc["same"] for h in hits if h.identical and h.doc.get("same")]
        if collapsed:
            with self._guard("searching"):
                counts = eq.read_identical_counts(
                    self.engine.client.search(
                        index=self.alias, body=eq.identical_counts_body(collapsed)
                    )
                )
            for h in hits:
                if h.identical:
                    h.identical = max(h.identical, counts.get(h.doc["same"], 1) - 1)
        return SearchResult(
            total=eq.read_total(resp),
            total_relation=eq.read_total_relation(resp),
            hits=hits,
            facets=eq.read_facets(resp, query.facets),
            page=query.page,
            page_size=query.page_size,
            terms=built.highlight_terms,
            relaxed=bool(built.plan and built.plan.relaxed),
            did_you_mean=did_you_mean,
        )

    def _did_you_mean(self, text: str, plan) -> str | None:
        def titles_near(word: str, edits: int) -> list[dict]:
            with self._guard("searching"):
                resp = self.engine.client.search(
                    index=self.alias, body=eq.fuzzy_titles_body(word, edits)
                )
            return [h["_source"]["payload"] for h in resp["hits"]["hits"]]

        return spelling.did_you_mean(text, plan, titles_near)

    def _search(self, query: SearchQuery, built: eq.BuiltQuery) -> dict:
        body = eq.search_body(query, built)
        with self._guard("searching"):
            return self.engine.client.search(index=self.alias, body=body)

    def raw_search(self, query: SearchQuery) -> int:
        """The engine alone for the benchmark: the same request without the stored payload
        (no snippets, nothing decoded); the round trip is part of it, as it is of search."""
        built = self.builder.build(query)
        body = eq.search_body(query, built, with_source=False)
        with self._guard("searching"):
            resp = self.engine.client.search(index=self.alias, body=body)
        return eq.read_total(resp)

    def engine_took_ms(self, query: SearchQuery) -> float:
        """The engine's own ``took`` for the request search() sends (benchmark only)."""
        built = self.builder.build(query)
        resp = self.engine.client.search(index=self.alias, body=eq.search_body(query, built))
        return float(resp["took"])

    def related(self, doc: dict, limit: int = 5) -> list[Hit]:
        """Datasets most like ``doc`` (the query is es_query.related_body's)."""
        body = eq.related_body(doc, limit)
        if body is None:
            return []
        with self._guard("finding related datasets"):
            resp = self.engine.client.search(index=self.alias, body=body)
        return [
            Hit(id=h["_source"]["payload"]["id"], score=float(h["_score"] or 0.0),
                doc=h["_source"]["payload"])
            for h in resp["hits"]["hits"]
        ]  # fmt: skip

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        from catalog.search import text as ta

        prefix = ta.fold(prefix).strip()[: ta.MAX_QUERY_CHARS]
        if not prefix:
            return []
        with self._guard("suggesting"):
            resp = self.engine.client.search(index=self.alias, body=eq.suggest_body(prefix))
        return eq.read_suggestions(resp, prefix, limit)
