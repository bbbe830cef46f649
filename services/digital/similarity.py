"""Similar 一件事 names (SPEC §5.1): suggestions while a clerk types a 事项名称, the 一件事核准 page's
groups of near-identical submissions across districts, and the benchmark of SPEC §10.

Pure Python on rapidfuzz; no database. Callers load (key, name) pairs and pass them in.

How two names are compared, and why. Names are first normalised (`normalise`): NFKC, case-folded,
only letters and digits kept, and the phrase 一件事 removed — every entry is one, so it tells
nothing apart. Chinese has no spaces, so a name is then cut into tokens: each character and each
pair of neighbouring characters (企业开办 → 企 业 开 办 企业 业开 开办). `score` is rapidfuzz's
`token_set_ratio` over those tokens: it compares what two names share with what each adds, so a
name that only adds or drops words scores high (出生 / 新生儿出生联办 = 100), and since single
characters are tokens too, reordered words lose only the pairs at the seam (企业开办 / 开办企业 =
89.7). Measured on the labelled list of tests/unit/test_digital_similarity.py (15 families,
74 names): the lowest score within a family, the highest between different items, the level at
which every family is still connected, the lowest score of a one-character edit (added or
removed) and of reordered words, and how many queries rank some other item above one of their
own family:

    scorer, on the normalised names          family  other  connected  edit  reordered  misranked
    characters + pairs, token_set (chosen)    76.2    78.0     84.6     84.2     89.7        0
    pairs only, token_set                     72.7    72.7     76.9     61.5     76.9        0
    max(sorted characters, pairs token_set)   72.7    72.7     80.0     85.7    100.0        0
    sorted characters, ratio                  44.4    60.0     57.1     85.7    100.0        1
    ratio (edit distance)                     36.4    60.0     50.0     85.7     50.0        5
    WRatio                                    50.0    60.0     60.0     85.7     50.0        4

The chosen scorer ranks every family first for every query, leaves a gap between different
items (≤ 78.0) and what must count as near-identical (families connected, edits: ≥ 84.2), and is
one built-in scorer, so `NameIndex.best` runs it in rapidfuzz's C code over the whole index
(the max of two scorers separates about as well but needs two passes). SIMILAR = 80 sits in that
gap. Its limits are those of any spelling measure: different items sharing most of their words
(企业破产信息核查 / 企业上市合法合规信息核查: 78.0) come close, and a very short generic name
(服务) is contained in many others and so scores 100 with them.
"""
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
from rapidfuzz import fuzz, process

# Score (0–100) from which two names count as near-identical: between the highest score of two
# different items of the labelled list (78.0) and the lowest of a one-character edit (84.2).
SIMILAR: float = 80.0

# Only the first this many normalised characters are compared: far beyond any real 事项名称,
# it bounds the work when a whole document is pasted into the name field.
COMPARED_CHARS = 200

_PHRASE = "一件事"
_KEPT_CATEGORIES = ("L", "N")  # letters (CJK included) and digits; punctuation, spaces, symbols go


@dataclass(frozen=True)
class Match:
    """One similar name: the caller's key, the name as entered, and its score (0–100)."""

    key: Any
    name: str
    score: float


def _pass(text: str) -> str:
    """One round of `normalise`."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text)
                   if unicodedata.category(ch)[0] in _KEPT_CATEGORIES)
    return text.replace(_PHRASE, "")


def normalise(name: str) -> str:
    """A name as it is compared: NFKC, case-folded, letters and digits only, without 一件事."""
    text = _pass(name)
    # Repeat until stable (usually one more pass): dropping characters can bring together ones
    # that NFKC composes (Hangul jamo) or a new 一件事 (一一件事件事), and case-folding can yield
    # text that NFKC changes again.
    while (again := _pass(text)) != text:
        text = again
    return text


def _tokens(normal: str) -> str:
    """Each character and each pair of neighbours, space-separated, for `token_set_ratio`."""
    text = normal[:COMPARED_CHARS]
    pairs = (text[i:i + 2] for i in range(len(text) - 1))
    return " ".join([*text, *pairs])


# The one scorer behind `score`, `NameIndex.best` and `groups`, run in rapidfuzz's C code
# (0 when either name is empty).
_SCORER = fuzz.token_set_ratio
# rapidfuzz.process drops a score equal to its cutoff (it rounds the cutoff by ~1e-5): it is given
# a cutoff this much lower, and the scores it returns (exact) are compared with the real one.
_CUTOFF_SLACK = 1e-3


def score(a: str, b: str) -> float:
    """How alike two names are, 0–100, symmetric; ≥ SIMILAR means near-identical."""
    return _SCORER(_tokens(normalise(a)), _tokens(normalise(b)))


class NameIndex:
    """Names prepared once (normalised and cut into tokens) for repeated `best` queries."""

    def __init__(self, entries: Iterable[tuple[Any, str]]):
        self._keys: list[Any] = []
        self._names: list[str] = []
        self._normal: list[str] = []
        self._tokens: list[str] = []
        for key, name in entries:
            normal = normalise(name)
            self._keys.append(key)
            self._names.append(name)
            self._normal.append(normal)
            self._tokens.append(_tokens(normal))

    def __len__(self) -> int:
        return len(self._keys)

    def best(self, query: str, *, limit: int = 8, cutoff: float = SIMILAR) -> list[Match]:
        """The names scoring ≥ cutoff against the query, highest first, at most `limit`.

        Equal scores are ordered by plain edit similarity (an exact name before a longer one
        that contains it), then by input order.
        """
        normal = normalise(query)
        if not normal or limit <= 0:
            return []
        query_tokens = _tokens(normal)
        # Every name with an empty normal form scores 0 and must not pass a cutoff of 0.
        hits = [(score_, index) for _, score_, index in process.extract(
            query_tokens, self._tokens, scorer=_SCORER, processor=None,
            score_cutoff=max(cutoff - _CUTOFF_SLACK, 0), limit=None)
            if score_ >= cutoff and self._tokens[index]]
        if len(hits) > limit:
            # extract answers highest first: only names tied with the last place kept can still
            # move up on the second key.
            last = hits[limit - 1][0]
            hits = [hit for hit in hits if hit[0] >= last]
        hits.sort(key=lambda hit: (-hit[0], -fuzz.ratio(normal, self._normal[hit[1]]), hit[1]))
        return [Match(self._keys[i], self._names[i], float(s)) for s, i in hits[:limit]]


def groups(entries: Iterable[tuple[Any, str]], *, threshold: float = SIMILAR) -> list[list[Any]]:
    """Keys of near-identical names together: the connected components of score ≥ threshold.

    Keys keep their input order inside a group; groups follow their first key's input order;
    a name like no other is a group of one. A name that is empty once normalised joins nothing.
    """
    entries = list(entries)
    keys = [key for key, _ in entries]
    tokens = [_tokens(normalise(name)) for _, name in entries]
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(keys) > 1:
        matrix = process.cdist(tokens, tokens, scorer=_SCORER, processor=None,
                               score_cutoff=max(threshold - _CUTOFF_SLACK, 0), dtype=np.float64)
        # cdist writes 0 below its (slackened) cutoff, so the threshold is applied again here.
        # A name empty once normalised scores 0 with everything: a threshold of 0 would link it.
        linked = np.argwhere(np.triu(matrix >= threshold, k=1))
        for i, j in linked:
            if tokens[i] and tokens[j]:
                parent[root(int(i))] = root(int(j))
    members: dict[int, list[Any]] = {}
    for i, key in enumerate(keys):
        members.setdefault(root(i), []).append(key)
    return list(members.values())
