"""The catalog's search index: word-prefix search over names, tags, owners, columns and descriptions.

Pure and in memory. Built from :class:`~observer.store.catalog.SearchDocument` values, it answers a
query without touching the store, so search stays fast on catalogs of tens of thousands of assets.

Any spelling of a name finds the asset: text is lower-cased and split into words on everything that
is not a letter or digit, so ``"ANALYTICS"."MARTS"."FCT_ORDERS"``, ``analytics.marts.fct_orders``,
``marts fct_ord`` and ``snowflake://analytics.marts.fct_orders`` all become words every one of which
must start some word of the asset. Matches rank by where they hit (exact name, name, tag, owner,
column, description), then by shorter name.

>>> from observer.model import AssetKey
>>> from observer.store.catalog import SearchDocument
>>> idx = SearchIndex.build([
...     SearchDocument(1, AssetKey("snowflake", "analytics.marts.fct_orders"), "model", None, (), ("order_id",), ()),
...     SearchDocument(2, AssetKey("snowflake", "raw.shop.orders"), "table", "orders from the shop", (), (), ()),
... ])
>>> [str(h.key) for h in idx.search('"MARTS".FCT_ORD').hits]
['snowflake://analytics.marts.fct_orders']
>>> [str(h.key) for h in idx.search("orders").hits]
['snowflake://raw.shop.orders', 'snowflake://analytics.marts.fct_orders']
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from observer.attribution.owners import resolve_owner
from observer.model import AssetKey
from observer.store.catalog import SearchDocument

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Where a word matched, best first. A document keeps the best field per word.
EXACT, NAME, TAG, OWNER, COLUMN, DESCRIPTION = 0, 1, 2, 3, 4, 5
_EXACT_BONUS = -20
_MAX_DESCRIPTION_WORDS = 200


def words(text: str) -> list[str]:
    """Lower-case words of ``text``: ``"FCT_Orders.v2"`` → ``['fct', 'orders', 'v2']``."""
    return _WORD.findall(text.lower())


def normalize_query(text: str) -> str:
    """The query with a ``platform://`` prefix, quotes and surrounding space removed, lower-cased."""
    text = text.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    return text.replace('"', "").replace("`", "").replace("[", "").replace("]", "").strip()


@dataclass(frozen=True)
class Hit:
    """One search result, with what a result list shows (no store round-trip needed)."""

    key: AssetKey
    kind: str
    description: str | None
    tags: tuple[str, ...]
    owner: str | None
    team: str | None
    score: int


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int


class SearchIndex:
    """An immutable inverted index from word to ``{document: best field}``; build a new one to update."""

    def __init__(self, docs: list[Hit], names: list[str], postings: dict[str, dict[int, int]]) -> None:
        self._docs = docs
        self._postings = postings
        self._words = sorted(postings)
        self._by_name = sorted(range(len(docs)), key=lambda i: (len(names[i]), names[i], str(docs[i].key)))
        self._order = [0] * len(docs)
        for position, doc in enumerate(self._by_name):
            self._order[doc] = position
        self._by_name.sort(key=lambda i: (names[i], str(docs[i].key)))
        # every dotted suffix of every name, so an exact (partially qualified) name is one lookup
        self._suffixes: dict[str, list[int]] = {}
        for doc, name in enumerate(names):
            parts = name.split(".")
            for start in range(len(parts)):
                self._suffixes.setdefault(".".join(parts[start:]), []).append(doc)
        self._owned: dict[str, list[int]] = {}
        for doc in self._by_name:
            hit = docs[doc]
            for owner in {hit.team, hit.owner}:
                if owner is not None:
                    self._owned.setdefault(owner, []).append(doc)
        self._prefix = lru_cache(maxsize=2048)(self._prefix_uncached)

    def owned_by(self, name: str) -> list[Hit]:
        """Assets whose resolved owner is ``name`` or belongs to team ``name``, by name."""
        return [self._docs[i] for i in self._owned.get(name, ())]

    def owned_counts(self) -> dict[str, int]:
        """Assets owned per owner and per team (an asset counts for both its owner and its team)."""
        return {name: len(docs) for name, docs in self._owned.items()}

    def __len__(self) -> int:
        return len(self._docs)

    @classmethod
    def build(cls, documents: Iterable[SearchDocument]) -> SearchIndex:
        docs: list[Hit] = []
        names: list[str] = []  # lower-case, unquoted: what an exact query is compared with
        postings: dict[str, dict[int, int]] = {}

        cached_words = lru_cache(maxsize=65536)(words)

        def add(doc: int, text: str, field: int, limit: int | None = None) -> None:
            for w in (words(text)[:limit] if limit else cached_words(text)):
                slot = postings.setdefault(w, {})
                if slot.get(doc, 99) > field:
                    slot[doc] = field

        for d in documents:
            i = len(docs)
            owner = resolve_owner(d.claims)
            docs.append(
                Hit(d.key, d.kind, d.description, d.tags, owner.owner if owner else None, owner.team if owner else None, 0)
            )
            names.append(d.key.name.replace('"', "").lower())
            add(i, d.key.name, NAME)
            add(i, d.key.platform, NAME)
            for tag in d.tags:
                add(i, tag, TAG)
            for claim in d.claims:
                add(i, claim.owner, OWNER)
                if claim.team:
                    add(i, claim.team, OWNER)
            for column in d.columns:
                add(i, column, COLUMN)
            if d.description:
                add(i, d.description, DESCRIPTION, _MAX_DESCRIPTION_WORDS)
        return cls(docs, names, postings)

    def _prefix_uncached(self, prefix: str) -> dict[int, int]:
        """Documents having a word that starts with ``prefix``, with the best field among those words."""
        merged: dict[int, int] = {}
        start = bisect_left(self._words, prefix)
        for w in self._words[start:]:
            if not w.startswith(prefix):
                break
            for doc, field in self._postings[w].items():
                if merged.get(doc, 99) > field:
                    merged[doc] = field
        return merged

    def search(
        self,
        query: str,
        *,
        platform: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> SearchResult:
        """Documents matching every word of ``query`` (all documents for an empty query), best first."""
        q = normalize_query(query)
        terms = list(dict.fromkeys(words(q)))

        def keep(i: int) -> bool:
            d = self._docs[i]
            return (platform is None or d.key.platform == platform) and (kind is None or d.kind == kind)

        if not terms:
            ordered = [i for i in self._by_name if keep(i)] if platform or kind else self._by_name
            return SearchResult([self._docs[i] for i in ordered[offset : offset + limit]], len(ordered))

        matches = sorted((self._prefix(t) for t in terms), key=len)
        scores = dict(matches[0])
        for m in matches[1:]:
            scores = {doc: s + m[doc] for doc, s in scores.items() if doc in m}
            if not scores:
                break
        if platform or kind:
            scores = {doc: s for doc, s in scores.items() if keep(doc)}

        for doc in self._suffixes.get(q.replace(" ", ""), ()):
            if doc in scores:
                scores[doc] += _EXACT_BONUS
        top = _best(scores, self._order, offset + limit)[offset:]
        hits = [_with_score(self._docs[i], scores[i]) for i in top]
        return SearchResult(hits, len(scores))


def _best(scores: dict[int, int], order: list[int], n: int) -> list[int]:
    """The ``n`` documents with the lowest score, ties broken by ``order`` (shorter name first).

    Scores are small integers, so documents are bucketed by score and only the buckets that reach
    ``n`` are sorted: linear in the number of matches instead of a sort of all of them.
    """
    buckets: dict[int, list[int]] = {}
    for doc, score in scores.items():
        buckets.setdefault(score, []).append(doc)
    out: list[int] = []
    for score in sorted(buckets):
        out.extend(heapq.nsmallest(n - len(out), buckets[score], key=order.__getitem__))
        if len(out) >= n:
            break
    return out


def _with_score(hit: Hit, score: int) -> Hit:
    return Hit(hit.key, hit.kind, hit.description, hit.tags, hit.owner, hit.team, score)
