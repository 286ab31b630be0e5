"""Find crisis patterns in free text as people write it: any word order, any inflection.

A pattern is a few groups of words that must all occur within a short window of words, in
any order (or, where the pattern says so, in the order listed). Before matching, a text is
folded (case, accents, apostrophes, letters typed three times or more, digits written for
letters inside a word: "d00d", "z3lfmoord"), bounded (its head and tail, and words of at most
`MAX_WORD` letters), and its text-message spellings are written out ("k" -> "ik", "nie" ->
"niet"). A text word matches a pattern word when it is the same word, has the same stem
(Snowball, in the pattern's language), starts with it (a word written with `*`), or is one
edit away from it (rapidfuzz, for words of a few letters or more).

Matching is linear in the length of the text: every word is looked at once, what a word
matches is worked out once and remembered, and each pattern keeps only the last place of
each of its groups.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, NamedTuple

import snowballstemmer  # uses PyStemmer's C code when it is installed
from rapidfuzz.distance import OSA

MAX_TEXT = 8_000  # characters matched of one text (its head and its last TAIL characters):
# more than any channel takes in one message (SMS 1,600, WhatsApp 4,096, the form 4,000)
TAIL = 2_000
MAX_WORD = 40  # letters of one word that count; a longer word is cut to this
_CACHE_LIMIT = 50_000
STEMMERS = {"nl": "dutch", "en": "english"}
# Words in most texts: a pattern is not looked for by one of these (speed only, not results).
COMMON_WORDS = frozenset("""
ik je jij u hij zij ze we wij het de een niet geen meer wil wilde willen wou zou zal ben is
was zijn heb heeft had hebben er aan voor van in op uit af me mij mijn m dat dit die wat als
dan nog al ook maar want om te met naar bij over door tot zo wel echt gewoon alles iedereen
niemand morgen vandaag vanavond vannacht keer ga gaan ging doe doen kan kun kon moet laat
i you he she it we they the a an not no never more want wanted will would can could am is
are was be been have has had do did done to of in on at for with so just all my me myself
this that what when if then going go get got make made take took today tonight tomorrow
one anyone everyone nobody up out off about maken maak graag slaap slecht goed over soon
long good een
""".split())

_WORD = re.compile(r"[^\W_]+")
_DROP = str.maketrans("", "", "'\u2019\u2018`\u00b4")
_RUNS = re.compile(r"(.)\1\1+")  # "zitttten" -> "zitten", "doooood" -> "dood"
CLASS = "@"  # a group word "@name" stands for the words of the list's word class `name`
END = "$"  # the word a pattern writes for the end of a sentence or clause ("ik kan niet meer $")
_CLAUSE_ENDS = str.maketrans({mark: " $ " for mark in ".!?;:,\n"})
_WORD_OR_END = re.compile(r"[^\W_]+|\$")
# ASCII: letters and digits stay, a mark that ends a clause becomes `$`, the rest a space.
_ASCII_WORDS_AND_ENDS = bytes(
    byte if chr(byte).isalnum() and byte < 128 else 36 if chr(byte) in ".!?;:,\n$" else 32
    for byte in range(256))
_DOUBLES = re.compile(r"(.)\1+")
_SQUEEZE_LENGTH = 3  # "zinn" is "zin", "mis" is "miss"; not "dod", "dood"
_SWAP_LENGTH = 4  # shorter than the typo length: only a swap of two letters is forgiven
# For ASCII text: letters and digits stay, every other byte becomes a space.
_ASCII_SPACES = bytes(byte if chr(byte).isalnum() and byte < 128 else 32 for byte in range(256))
_ASCII_DROP = b"'`"
_NO_MATCH: dict[int, int] = {}
# Digits written for letters inside a word ("d00d", "z3lfmoord", "k1ll"): read as the letters.
# A number alone ("113", "0800") is left as it is.
_DIGIT_LETTERS = str.maketrans("013457", "oieast")
_HAS_DIGIT = re.compile(r"\d")


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


def _words_and_ends(text: str) -> list[str]:
    """Return the words of text as words_of does, with `$` where a sentence or clause ends."""
    folded = text.casefold()
    if folded.isascii():
        drop = _ASCII_DROP if "'" in folded else b""
        marked = folded.encode().translate(_ASCII_WORDS_AND_ENDS, drop)
        return marked.replace(b"$", b" $ ").decode().split()
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded.translate(_DROP))
                     if not unicodedata.combining(c)).translate(_CLAUSE_ENDS)
    return _WORD_OR_END.findall(folded)


def bounded(text: str) -> str:
    """Return the part of text that is matched: all of it, or its head and its tail."""
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT - TAIL] + " " + text[-TAIL:]


@cache
def _stemmer(language: str) -> Any:
    """Return the Snowball stemmer of a language (built once, on first use)."""
    return snowballstemmer.stemmer(STEMMERS[language])


class Forgiveness(NamedTuple):
    """How forgiving a pattern list is: typos, and how far apart its words may stand."""

    typos_per_phrase: int = 1
    typo_min_word_length: int = 5
    within: int = 8


class Pattern(NamedTuple):
    """Groups of words that must all occur within `within` words (in order if `in_order`)."""

    id: str
    groups: tuple[tuple[str, ...], ...]
    language: str | None = None
    within: int | None = None
    in_order: bool = False


class PhraseMatch(NamedTuple):
    """A pattern found in a text (its id, never the text's words), with the typos it took."""

    phrase: str
    typos: int


class _Word(NamedTuple):
    """One word of a pattern: its letters, whether it is a word start, its language."""

    letters: str
    prefix: bool
    language: str | None


def pattern_of(item: str | Mapping[str, Any], language: str | None = None) -> Pattern:
    """Return the pattern an entry of a rules file describes.

    A string is a phrase whose words must all occur near each other, in any order; a mapping
    has an `id`, `all` (a list of groups, each one word or a list of words, one of which must
    occur), and optionally `within` (words) and `in_order`.
    """
    if isinstance(item, str):
        words = tuple((letters + ("*" if prefix else ""),)
                      for token in item.split() for letters, prefix in split_word(token))
        return Pattern(item, words, language)
    groups = tuple((group,) if isinstance(group, str) else tuple(group) for group in item["all"])
    return Pattern(str(item["id"]), groups, language, item.get("within"),
                   bool(item.get("in_order", False)))


@lru_cache(maxsize=4096)
def split_word(written: str) -> tuple[tuple[str, bool], ...]:
    """Return the folded words of one written word, the last with whether it ends in `*`."""
    if written == END:
        return ((END, False),)
    prefix = written.endswith("*")
    parts = words_of(written.rstrip("*"))
    return tuple((part, prefix and i == len(parts) - 1) for i, part in enumerate(parts))


def pattern_problem(pattern: Pattern, classes: Mapping[str, Sequence[str]] | None = None
                    ) -> str | None:
    """Return what is wrong with a pattern (a group with no word, a word of two, an unknown
    `@class`), or None."""
    if not pattern.groups:
        return f"pattern {pattern.id!r} has no letters"
    for group in pattern.groups:
        if not group:
            return f"pattern {pattern.id!r} has an empty word group"
        for written in group:
            if written.startswith(CLASS):
                if written[1:] not in (classes or {}):
                    return (f"pattern {pattern.id!r}: unknown word class {written!r} (expected "
                            f"one of {', '.join(CLASS + n for n in classes or {}) or 'none'})")
                continue
            parts = split_word(written)
            if not parts:
                return f"pattern {pattern.id!r}: {written!r} has no letters"
            if len(parts) > 1:
                return (f"pattern {pattern.id!r}: {written!r} is more than one word (a group "
                        "lists words of which one must occur; put each word in a group)")
    return None


class PhraseMatcher:
    """Find the patterns of one list in texts; compiled once, linear per text."""

    def __init__(self, patterns: Iterable[Pattern | str], forgiveness: Forgiveness | None = None,
                 spellings: Mapping[str, str] | None = None,
                 classes: Mapping[str, Sequence[str]] | None = None) -> None:
        self.forgiveness = forgiveness = forgiveness or Forgiveness()
        self._classes = dict(classes or {})
        self._max_typos = forgiveness.typos_per_phrase
        self._spellings = {_fold_word(key): tuple(words_of(value))
                           for key, value in (spellings or {}).items()}
        self._patterns: list[Pattern] = []
        self._windows: list[int] = []
        self._sizes: list[int] = []  # groups of each pattern, spellings written out
        self._words: list[_Word] = []
        word_ids: dict[_Word, int] = {}
        pattern_groups: list[list[tuple[int, ...]]] = []
        self._group_words: list[list[frozenset[int]]] = []
        self._word_groups: list[dict[int, tuple[int, ...]]] = []
        seen: set[str] = set()
        for entry in patterns:
            pattern = entry if isinstance(entry, Pattern) else pattern_of(entry)
            if pattern.id in seen:
                raise ValueError(f"pattern {pattern.id!r} is listed twice")
            seen.add(pattern.id)
            problem = pattern_problem(pattern, self._classes)
            if problem:
                raise ValueError(problem)
            index = len(self._patterns)
            groups: list[tuple[int, ...]] = []
            for group in self._spelled(pattern.groups):
                groups.append(tuple(sorted({
                    word_ids.setdefault(_Word(letters, prefix, pattern.language), len(word_ids))
                    for written in group for letters, prefix in split_word(written)})))
            self._patterns.append(pattern)
            self._sizes.append(len(groups))
            self._windows.append(max(pattern.within or forgiveness.within, len(groups)))
            pattern_groups.append(groups)
            self._group_words.append([frozenset(ids) for ids in groups])
            # each word, the groups it fills, the later first (so one word cannot fill two
            # places of one ordered pattern at once)
            places: dict[int, list[int]] = {}
            for position, ids in enumerate(groups):
                for wid in ids:
                    places.setdefault(wid, []).insert(0, position)
            self._word_groups.append({wid: tuple(at) for wid, at in places.items()})
        self._words = sorted(word_ids, key=word_ids.__getitem__)
        self._by_anchor: dict[int, list[int]] = {}
        for index, groups in enumerate(pattern_groups):
            anchor = max(groups, key=self._rarity)
            for wid in anchor:
                self._by_anchor.setdefault(wid, []).append(index)
        self._ordered = [pattern.in_order for pattern in self._patterns]
        self._index_words()
        # a text word -> the pattern words it matches, and the patterns it anchors
        self._cache: dict[str, tuple[dict[int, int], tuple[int, ...]]] = {}

    def _rarity(self, ids: tuple[int, ...]) -> tuple[bool, int, int]:
        """Return how rare a group's words look: none of them common, the shortest's length,
        fewer words (the anchor of a pattern is its rarest group; only speed depends on it)."""
        letters = [self._words[wid].letters for wid in ids]
        if END in letters:
            return False, -1, 0
        return (not COMMON_WORDS.intersection(letters), min(map(len, letters)), -len(letters))

    def _spelled(self, groups: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
        """Return groups with each `@class` replaced by its words, and a lone word that is a
        spelling written out ("cant" -> "can", "not"), as texts are."""
        out: list[tuple[str, ...]] = []
        for written in groups:
            group = tuple(word for item in written for word in (
                self._classes[item[1:]] if item.startswith(CLASS) else (item,)))
            spelled = self._spellings.get(group[0]) if len(group) == 1 else None
            out.extend(((word,) for word in spelled) if spelled else (group,))
        return out

    def _index_words(self) -> None:
        """Build the look-ups from a text word to the pattern words it matches."""
        least = self.forgiveness.typo_min_word_length
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._stems: dict[str, dict[str, list[int]]] = {}
        # One typo: a word and each of its one-letter deletions lead to it, so a text word
        # meets its candidates through its own deletions (symmetric delete); rapidfuzz then
        # checks the candidates (a letter wrong, missing, extra, or two swapped).
        self._fuzzy: dict[str, list[int]] = {}
        # A word start with one typo: its few words of the same first letter are compared
        # with the text word's start of their length and one letter either side.
        self._fuzzy_prefix: dict[str, list[tuple[int, str]]] = {}
        fuzzy_lengths: set[int] = set()
        self._squeezed: dict[str, list[int]] = {}
        for wid, word in enumerate(self._words):
            (self._prefix if word.prefix else self._exact).setdefault(
                word.letters, []).append(wid)
            if not word.prefix and len(word.letters) >= _SQUEEZE_LENGTH:
                self._squeezed.setdefault(_squeeze(word.letters), []).append(wid)
            if not word.prefix and word.language in STEMMERS:
                stem = _stemmer(word.language).stemWord(word.letters)
                self._stems.setdefault(word.language, {}).setdefault(stem, []).append(wid)
            # a word start forgives a typo only when it is longer: "mogelijk" is no "kogel*"
            if self._max_typos > 0 and len(word.letters) >= least + word.prefix:
                fuzzy_lengths.add(len(word.letters))
                if word.prefix:
                    self._fuzzy_prefix.setdefault(word.letters[0], []).append(
                        (wid, word.letters))
                    continue
                for key in {word.letters, *_deletes(word.letters)}:
                    self._fuzzy.setdefault(key, []).append(wid)
        self._prefix_lengths = sorted({len(letters) for letters in self._prefix})
        self._fuzzy_min = min(fuzzy_lengths, default=1 << 30) - 1

    @property
    def phrases(self) -> tuple[str, ...]:
        """Return the ids of the patterns, in list order."""
        return tuple(pattern.id for pattern in self._patterns)

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        """Return the patterns, as listed."""
        return tuple(self._patterns)

    def _classify(self, token: str) -> tuple[dict[int, int], tuple[int, ...]]:
        """Return the pattern words a text word matches, each with its typo count, and the
        patterns whose anchor it is."""
        found: dict[int, int] = {}
        for wid in self._exact.get(token, ()):
            found[wid] = 0
        if len(token) >= _SQUEEZE_LENGTH:  # "waant", "mis", "gen"; not "me" for "mee"
            for wid in self._squeezed.get(_squeeze(token), ()):
                found.setdefault(wid, 0)
        if len(token) == _SWAP_LENGTH:  # a short word with two letters swapped: "wnat"
            for swapped in _swaps(token):
                for wid in self._exact.get(swapped, ()):
                    found.setdefault(wid, 1)
        for language, stems in self._stems.items():
            for wid in stems.get(_stemmer(language).stemWord(token), ()):
                # one stem, the same first letter, and no ge- the word lacks: "geweer" is not
                # "weer", "gegaan" is not "gaan" (list such forms: "gesneden", "gemaakt")
                letters = self._words[wid].letters
                if letters[0] == token[0] and (
                        not token.startswith("ge") or letters.startswith("ge")):
                    found[wid] = 0
        for length in self._prefix_lengths:
            if len(token) < length:
                break
            for wid in self._prefix.get(token[:length], ()):
                found[wid] = 0
        if len(token) >= self._fuzzy_min:
            self._near(token, found)
            for wid, letters in self._fuzzy_prefix.get(token[0], ()):
                if wid not in found and any(
                        OSA.distance(token[:size], letters, score_cutoff=1) <= 1
                        for size in (len(letters) - 1, len(letters), len(letters) + 1)
                        if size <= len(token)):
                    found[wid] = 1
        anchors = self._by_anchor
        result = (found or _NO_MATCH,
                  tuple(sorted({index for wid in found for index in anchors.get(wid, ())})))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = result
        return result

    def _near(self, token: str, found: dict[int, int]) -> None:
        """Mark the whole words one edit (a letter wrong, missing, extra, or two swapped) from
        token."""
        words = self._words
        index = self._fuzzy
        for key in (token, *_deletes(token)):
            for wid in index.get(key, ()):
                if wid not in found and OSA.distance(token, words[wid].letters,
                                                     score_cutoff=1) <= 1:
                    found[wid] = 1

    def tokens(self, text: str) -> list[str]:
        """Return the words of text as they are matched: folded, bounded, spellings written out,
        and `$` after each sentence or clause."""
        spellings = self._spellings
        text = bounded(text)
        digits = _HAS_DIGIT.search(text) is not None
        out: list[str] = []
        for word in _words_and_ends(_RUNS.sub(r"\1\1", text)):
            if word == END:
                if out and out[-1] != END:
                    out.append(END)
                continue
            if digits and not word.isalpha() and not word.isdecimal():
                word = _RUNS.sub(r"\1\1", word.translate(_DIGIT_LETTERS))
            if len(word) > MAX_WORD:
                word = word[:MAX_WORD]
            spelled = spellings.get(word)
            if spelled is None:
                out.append(word)
            else:
                out.extend(spelled)
        if out and out[-1] != END:
            out.append(END)
        return out

    def find(self, text: str | None) -> PhraseMatch | None:
        """Return the pattern that a text completes first (tie: list order), or None."""
        if not text:
            return None
        cache = self._cache
        classify = self._classify
        entries = [cache.get(token) or classify(token) for token in self.tokens(text)]
        # Only a pattern whose anchor (its rarest-looking group) is in the text can match,
        # and only if every one of its groups is; the few left are scanned word by word.
        found_anchors: set[int] = set()
        for _, anchored in entries:
            if anchored:
                found_anchors.update(anchored)
        if not found_anchors:
            return None
        marks = [found for found, _ in entries]
        seen: set[int] = set().union(*marks)
        candidates = sorted(found_anchors)
        best: tuple[int, int, int] | None = None  # position, pattern, typos
        for index in candidates:
            if any(seen.isdisjoint(words) for words in self._group_words[index]):
                continue
            completed = self._scan(index, marks)
            if completed is not None and (best is None or completed[0] < best[0]):
                best = (completed[0], index, completed[1])
        if best is None:
            return None
        return PhraseMatch(self._patterns[best[1]].id, best[2])

    def _scan(self, index: int, marks: list[dict[int, int]]) -> tuple[int, int] | None:
        """Return where and with how many typos pattern `index` is first complete, or None."""
        groups_of = self._word_groups[index]
        ordered = self._ordered[index]
        window = self._windows[index]
        max_typos = self._max_typos
        # per group: unordered (position, typos); ordered (start, end, typos)
        places: list[Any] = [None] * self._sizes[index]
        for position, found in enumerate(marks):
            for wid, typos in found.items():
                for group in groups_of.get(wid, ()):
                    if ordered:
                        done = _extend_chain(places, group, position, typos)
                    else:
                        place = places[group]
                        if place is None or place[0] != position or typos < place[1]:
                            places[group] = (position, typos)
                        done = _complete(places)
                    if done is not None:
                        start, total = done
                        if total <= max_typos and position - start < window:
                            return position, total
        return None

    def forget(self) -> None:
        """Forget what each word seen so far matched (for measuring first sight)."""
        self._cache.clear()

    def __contains__(self, text: object) -> bool:
        """Return whether text holds a pattern of the list."""
        return isinstance(text, str) and self.find(text) is not None


def _squeeze(word: str) -> str:
    """Return word with every letter typed twice or more written once ("leeven" -> "leven")."""
    return _DOUBLES.sub(r"\1", word)


def _swaps(word: str) -> list[str]:
    """Return word with each two neighbouring letters swapped."""
    return [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)]


def _fold_word(word: str) -> str:
    """Return one word as texts are folded (a spelling's key)."""
    folded = words_of(word)
    return folded[0] if len(folded) == 1 else word.casefold()


def _deletes(word: str) -> list[str]:
    """Return word with each one of its letters left out."""
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _complete(places: list[Any]) -> tuple[int, int] | None:
    """Return the start and typos of an unordered pattern whose every group is placed."""
    start = None
    total = 0
    for place in places:
        if place is None:
            return None
        start = place[0] if start is None or place[0] < start else start
        total += place[1]
    return (start if start is not None else 0), total


def _extend_chain(places: list[Any], group: int, position: int,
                  typos: int) -> tuple[int, int] | None:
    """Place a word in an ordered pattern; return start and typos once the chain is whole."""
    if group == 0:
        chain = (position, position, typos)
    else:
        before = places[group - 1]
        if before is None or before[1] >= position:
            return None
        chain = (before[0], position, before[2] + typos)
    current = places[group]
    if current is None or chain[0] > current[0] or (
            chain[0] == current[0] and chain[2] < current[2]):
        places[group] = chain
    if group == len(places) - 1:
        last = places[group]
        return last[0], last[2]
    return None
