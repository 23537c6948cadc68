"""Run the benchmarks: ``python -m bench`` (all, default settings) or ``python -m bench NAME
[ARGS...]`` (one, with its own arguments; e.g. ``python -m bench search --sizes 20000``)."""

from __future__ import annotations

import sys
from collections.abc import Callable


def _search(argv: list[str]) -> int:
    from bench import search

    return search.main(argv)


def _harvest(argv: list[str]) -> int:
    from bench import harvest

    return harvest.main(argv)


def _harvest_sheets(argv: list[str]) -> int:
    from bench import harvest_sheets

    return harvest_sheets.main(argv)


def _bigrams(argv: list[str]) -> int:
    from bench import bigrams

    return bigrams.main(argv)


def _exports(argv: list[str]) -> int:
    from bench import exports

    return exports.main(argv)


def _pages(argv: list[str]) -> int:
    from bench import pages

    return pages.main(argv)


def _relevance(argv: list[str]) -> int:
    from bench import relevance

    return relevance.main(argv)


def _load(argv: list[str]) -> int:
    from bench import load

    return load.main(argv)


def _ckan(argv: list[str]) -> int:
    from bench import ckan

    return ckan.main(argv)


def _accounts(argv: list[str]) -> int:
    from bench import accounts

    return accounts.main(argv)


BENCHMARKS: dict[str, Callable[[list[str]], int]] = {
    "search": _search,
    "harvest": _harvest,
    "harvest_sheets": _harvest_sheets,
    "bigrams": _bigrams,
    "relevance": _relevance,
    "exports": _exports,
    "pages": _pages,
    "load": _load,
    "ckan": _ckan,
    "accounts": _accounts,
}


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        print("benchmarks:", ", ".join(BENCHMARKS))
        return 0
    if argv and argv[0] in BENCHMARKS:
        return BENCHMARKS[argv[0]](argv[1:])
    if argv:
        print(f"unknown benchmark {argv[0]!r}; one of: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name, run in BENCHMARKS.items():
        print(f"== {name}", file=sys.stderr)
        if run([]):
            failed.append(name)
    # A missed target is a verdict in its table, not a failure: the exit status says whether
    # every benchmark ran and measured what it claims (its own checks of the results).
    print(
        f"== {len(BENCHMARKS) - len(failed)} of {len(BENCHMARKS)} benchmarks ran"
        + (f"; failed: {', '.join(failed)}" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
