"""French words into search terms, the same way for the requirements and for the evidence:
letters only, lower case, French stop words dropped, the Snowball French stemmer, then accents
folded ("Évaluations" and "evaluation" give one term, `evalu`). Consecutive content words also
give a two-word term ("revue de direction" -> `revu direct`), which tells a management review
from any other review. Pure Python, so that suggestions rank the same on SQLite and
PostgreSQL."""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_LENGTH = 2
# The text read of one item (title, description, tags and files): about 60 pages of French.
MAX_CHARS = 200_000

# French stop words (articles, pronouns, prepositions, conjunctions, auxiliaries, very common
# adverbs), accents folded; with the few English ones a French document mixes in.
_STOP_WORDS_TEXT = """
a ai aie aient aies ait al alors as au aucun aucune aupres auquel aura aurai auraient aurais
aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels
avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons c ca car ce ceci
cela celle celles celui cependant ces cet cette ceux chacun chacune chaque chez ci comme
comment d dans de des desquelles desquels deux dont du duquel durant e elle elles en encore
entre es est et etaient etais etait etant ete etes etiez etions etre eu eue eues eumes eurent
eus eusse eussent eusses eussiez eussions eut eutes eux faire fait faite faites fois font
furent fus fusse fussent fusses fussiez fussions fut futes i ici il ils j je jusqu jusque l la
laquelle le lequel les lesquelles lesquels leur leurs lors lorsque lui m ma mais me meme memes
mes moi mon n ne ni nos notre nous o on ont ou par parce pas peu peut peuvent plus plusieurs
pour pourquoi pres puis qu quand que quel quelle quelles quels qui quoi s sa sans se selon sera
serai seraient serais serait seras serez seriez serions serons seront ses si sien sienne soi
soient sois soit sommes son sont sous soyez soyons suis sur t ta tandis te tel telle telles
tels tes toi ton tous tout toute toutes tres tu un une unes uns v vers via voici voila vos
votre vous y an and are be by for from in is it of on or the this to with
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def fold(word: str) -> str:
    """`word` without its accents ("é" -> "e", "œ" stays a letter pair)."""
    word = word.replace("œ", "oe").replace("æ", "ae")
    return "".join(char for char in unicodedata.normalize("NFKD", word)
                   if not unicodedata.combining(char))


_stemmer = snowballstemmer.stemmer("french")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The term of a lower-case word, or "" for a stop word or a word too short."""
    folded = fold(word)
    if len(folded) < MIN_LENGTH or folded in STOP_WORDS:
        return ""
    return fold(_stemmer.stemWord(word))


@dataclass
class Terms:
    """The terms of a text with their counts, and for each term the words it came from as
    they were written (the first spelling met), to tell people which words matched."""

    counts: Counter[str] = field(default_factory=Counter)
    spelled: dict[str, str] = field(default_factory=dict)
    length: float = 0  # words kept (weighted when added up)

    def add(self, other: "Terms", weight: float = 1.0) -> None:
        for term, count in other.counts.items():
            self.counts[term] += count * weight  # type: ignore[assignment]
        for term, words in other.spelled.items():
            self.spelled.setdefault(term, words)
        self.length += other.length * weight


def terms(text: str, limit: int = MAX_CHARS) -> Terms:
    """The terms of `text` (its first `limit` characters): each content word's stem, and each
    pair of consecutive content words."""
    found = Terms()
    text = text[:limit]
    previous, previous_start = "", 0
    for match in WORD_RE.finditer(text):
        word = match.group()
        term = stem(word.lower())
        if not term:
            continue  # a stop word links the words around it ("revue de direction")
        found.counts[term] += 1
        found.spelled.setdefault(term, word)
        found.length += 1
        if previous:
            pair = f"{previous} {term}"
            found.counts[pair] += 1
            if pair not in found.spelled:
                found.spelled[pair] = " ".join(text[previous_start:match.end()].split())
        previous, previous_start = term, match.start()
    return found
