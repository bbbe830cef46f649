"""Name similarity (provisional; replaced by the rapidfuzz implementation)."""
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from rapidfuzz import fuzz, process

SIMILAR = 70.0


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = re.sub(r"[\W_]+", "", text)
    return text.replace("一件事", "")


def score(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(" ".join(normalise(a)), " ".join(normalise(b)))


@dataclass(frozen=True)
class Match:
    key: Any
    name: str
    score: float


class NameIndex:
    def __init__(self, entries: Iterable[tuple[Any, str]]):
        self.entries = list(entries)
        self.forms = [" ".join(sorted(normalise(n))) for _, n in self.entries]

    def best(self, query: str, *, limit: int = 8, cutoff: float = SIMILAR) -> list[Match]:
        q = " ".join(sorted(normalise(query)))
        if not q:
            return []
        found = process.extract(q, self.forms, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
        return [Match(self.entries[i][0], self.entries[i][1], s) for _, s, i in found]


def groups(entries: Iterable[tuple[Any, str]], *, threshold: float = SIMILAR) -> list[list[Any]]:
    entries = list(entries)
    index = NameIndex(entries)
    parent = list(range(len(entries)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, (_, name) in enumerate(entries):
        for m in index.best(name, limit=len(entries), cutoff=threshold):
            j = next(k for k, e in enumerate(entries) if e[0] == m.key)
            parent[find(i)] = find(j)
    out: dict[int, list] = {}
    for i, (key, _) in enumerate(entries):
        out.setdefault(find(i), []).append(key)
    return list(out.values())
