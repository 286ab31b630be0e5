"""Find listed phrases in free text, forgiving case, accents and small typos."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import NamedTuple

_WORD = re.compile(r"[^\W_]+")
_DROP = str.maketrans("", "", "'\u2019\u2018`\u00b4")
# For ASCII text: letters and digits stay, every other byte becomes a space (the words
# _WORD finds, found a few times faster); in a text with an apostrophe, _DROP's ASCII
# characters are left out first.
_ASCII_SPACES = bytes(byte if chr(byte).isalnum() and byte < 128 else 32 for byte in range(256))
_ASCII_DROP = b"'`"
_NO_MATCH: dict[int, int] = {}
_CACHE_LIMIT = 50_000


def words_of(text: str) -> list[str]:
    """Return the words of text, casefolded, without accents or apostrophes."""
    folded = text.casefold()
    if folded.isascii():
        drop = _ASCII_DROP if "'" in folded else b""
        return folded.encode().translate(_ASCII_SPACES, drop).decode().split()
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded.translate(_DROP))
                     if not unicodedata.combining(c))
    if folded.isascii():
        return folded.encode().translate(_ASCII_SPACES).decode().split()
    return _WORD.findall(folded)


def within_one_edit(a: str, b: str) -> bool:
    """Return whether a and b differ by at most one insertion, deletion, change or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if la - lb > 1 or lb - la > 1:
        return False
    i = 0
    shortest = min(la, lb)
    while i < shortest and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1:] == b[i + 1:]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
    if la > lb:
        return a[i + 1:] == b[i:]
    return a[i:] == b[i + 1:]


def _deletes(word: str) -> list[str]:
    """Return word with each one of its letters left out."""
    return [word[:i] + word[i + 1:] for i in range(len(word))]


class Forgiveness(NamedTuple):
    """How forgiving a phrase list is: typos and extra words."""

    typos_per_phrase: int = 1
    typo_min_word_length: int = 4
    typo_min_single_word_length: int = 6
    extra_words: int = 1


class PhraseMatch(NamedTuple):
    """A phrase of a list found in a text, with the typos it took."""

    phrase: str
    typos: int


class _Word(NamedTuple):
    """One word of a phrase: its letters, whether it is a prefix, whether typos count."""

    letters: str
    prefix: bool
    fuzzy: bool


def split_phrase(phrase: str) -> list[tuple[str, bool]]:
    """Return the words of a phrase, each with whether it ends in `*` (a word start)."""
    words: list[tuple[str, bool]] = []
    for token in phrase.split():
        prefix = token.endswith("*")
        parts = words_of(token.rstrip("*"))
        words.extend((part, False) for part in parts[:-1])
        if parts:
            words.append((parts[-1], prefix))
    return words


class _WordMemory(dict[str, dict[int, int]]):
    """What each word of a text matches: worked out on first sight, then remembered."""

    __slots__ = ("_classify",)

    def __init__(self, classify: Callable[[str], dict[int, int]]) -> None:
        super().__init__()
        self._classify = classify

    def __missing__(self, token: str) -> dict[int, int]:
        return self._classify(token)


class PhraseMatcher:
    """Find the phrases of one list in texts; compiled once, fast per text."""

    def __init__(self, phrases: Iterable[str], forgiveness: Forgiveness | None = None) -> None:
        self.forgiveness = forgiveness = forgiveness or Forgiveness()
        self._max_typos = forgiveness.typos_per_phrase
        self._gap = forgiveness.extra_words
        self._words: list[_Word] = []
        word_ids: dict[_Word, int] = {}
        self._phrases: list[tuple[str, tuple[int, ...]]] = []
        seen: set[tuple[int, ...]] = set()
        for phrase in phrases:
            parts = split_phrase(phrase)
            if not parts:
                raise ValueError(f"phrase {phrase!r} has no letters")
            least = (forgiveness.typo_min_single_word_length if len(parts) == 1
                     else forgiveness.typo_min_word_length)
            ids: list[int] = []
            for letters, prefix in parts:
                word = _Word(letters, prefix, self._max_typos > 0 and len(letters) >= least)
                ids.append(word_ids.setdefault(word, len(word_ids)))
                if len(self._words) < len(word_ids):
                    self._words.append(word)
            key = tuple(ids)
            if key not in seen:
                seen.add(key)
                self._phrases.append((phrase, key))
        # A phrase is only tried when its anchor, its longest (rarest) word, is in the text.
        self._by_anchor: dict[int, list[int]] = {}
        for position, (_, phrase_ids) in enumerate(self._phrases):
            anchor = max(phrase_ids, key=lambda wid: len(self._words[wid].letters))
            self._by_anchor.setdefault(anchor, []).append(position)
        self._exact: dict[str, list[int]] = {}
        self._exact_prefix: dict[str, list[int]] = {}
        self._fuzzy: dict[str, list[int]] = {}
        self._fuzzy_prefix: dict[str, list[int]] = {}
        for wid, word in enumerate(self._words):
            (self._exact_prefix if word.prefix else self._exact).setdefault(
                word.letters, []).append(wid)
            if word.fuzzy:
                table = self._fuzzy_prefix if word.prefix else self._fuzzy
                for variant in (word.letters, *_deletes(word.letters)):
                    table.setdefault(variant, []).append(wid)
        self._prefix_lengths = sorted({len(w.letters) for w in self._words if w.prefix})
        self._fuzzy_prefix_lengths = sorted(
            {len(w.letters) for w in self._words if w.prefix and w.fuzzy})
        fuzzy_lengths = [len(w.letters) for w in self._words if w.fuzzy]
        self._fuzzy_min = min(fuzzy_lengths) - 1 if fuzzy_lengths else 1 << 30
        self._cache = _WordMemory(self._classify)
        self._digits = any(not word.letters.isalpha() for word in self._words)
        self._last: tuple[str | None, PhraseMatch | None] = (None, None)

    @property
    def phrases(self) -> tuple[str, ...]:
        """Return the distinct phrases of the list, as written."""
        return tuple(phrase for phrase, _ in self._phrases)

    def _classify(self, token: str) -> dict[int, int]:
        """Return the phrase words a text word matches, each with its typo count."""
        found: dict[int, int] = {}
        if not self._digits and not token.isalpha():  # numbers, dates: no phrase has digits
            self._remember(token, _NO_MATCH)
            return _NO_MATCH
        for wid in self._exact.get(token, ()):
            found[wid] = 0
        for length in self._prefix_lengths:
            if len(token) < length:
                break
            for wid in self._exact_prefix.get(token[:length], ()):
                found[wid] = 0
        if len(token) >= self._fuzzy_min:
            words = self._words
            for key in (token, *_deletes(token)):
                for wid in self._fuzzy.get(key, ()):
                    if wid not in found and within_one_edit(token, words[wid].letters):
                        found[wid] = 1
            for length in self._fuzzy_prefix_lengths:
                for size in (length - 1, length, length + 1):
                    if len(token) < size:
                        break
                    start = token[:size]
                    for key in (start, *_deletes(start)):
                        for wid in self._fuzzy_prefix.get(key, ()):
                            if wid not in found and within_one_edit(start, words[wid].letters):
                                found[wid] = 1
        result = found or _NO_MATCH
        self._remember(token, result)
        return result

    def _remember(self, token: str, found: dict[int, int]) -> None:
        """Keep what a word matches, forgetting all when the memory is full."""
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = found

    def find(self, text: str | None) -> PhraseMatch | None:
        """Return the first listed phrase found in text (in list order), or None."""
        if not text:
            return None
        last_text, last_found = self._last
        if text is last_text:  # explaining a decision looks at the same text again
            return last_found
        found = self._find(text)
        self._last = (text, found)
        return found

    def _find(self, text: str) -> PhraseMatch | None:
        """Return the first listed phrase found in text, without the one-text memory."""
        marks = list(map(self._cache.__getitem__, words_of(text)))
        seen: set[int] = set().union(*marks)
        if not seen:
            return None
        by_anchor = self._by_anchor
        candidates = [index for wid in seen for index in by_anchor.get(wid, ())]
        if not candidates:
            return None
        if len(candidates) > 1:
            candidates.sort()
        for index in candidates:
            phrase, ids = self._phrases[index]
            if not seen.issuperset(ids):  # a word of the phrase is nowhere in the text
                continue
            first = ids[0]
            for start, found in enumerate(marks):
                typos = found.get(first)
                if typos is not None:
                    total = self._extend(ids, 1, marks, start + 1, typos)
                    if total is not None:
                        return PhraseMatch(phrase, total)
        return None

    def _extend(self, ids: tuple[int, ...], k: int, marks: list[dict[int, int]],
                at: int, typos: int) -> int | None:
        """Return the typos of a match of ids[k:] from word `at` on, or None."""
        if typos > self._max_typos:
            return None
        if k == len(ids):
            return typos
        want = ids[k]
        for position in range(at, min(at + 1 + self._gap, len(marks))):
            more = marks[position].get(want)
            if more is not None:
                total = self._extend(ids, k + 1, marks, position + 1, typos + more)
                if total is not None:
                    return total
        return None

    def __contains__(self, text: object) -> bool:
        """Return whether text holds a listed phrase."""
        return isinstance(text, str) and self.find(text) is not None
