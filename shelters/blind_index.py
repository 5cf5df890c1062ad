"""A keyed blind index of victims' names: equal names can be found without decrypting any.

Names are encrypted with Fernet (a random IV each time), so the database cannot compare
them. Beside each encrypted name we store HMAC-SHA256 digests of its *folded* form (lower
case, accents and punctuation gone, words separated by one space) under a key of its own,
`BLIND_INDEX_KEY`: the same name always gives the same digest, and without the key a digest
says nothing about the name (a dictionary of common names cannot be hashed without it).

What the index can find: a whole folded word ("nunez" finds "Núñez-García"), or a whole
folded name. What it cannot: part of a word ("guada" does not find "Guadalupe"), a typo or
a spelling variant ("Guadalup", "Gpe."). What it gives away to someone who reads the
database but not the key: which victims share a name or a word of one, nothing more.

Changing the key makes every stored digest stale: run `python manage.py rebuild_name_index`
(it decrypts each name once, in batches) right after the change.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

# 64 bits per word: collisions inside one shelter's few thousand names are out of reach, and the
# column stays short. The whole-name keys keep 128 bits.
WORD_DIGEST_CHARS = 16
NAME_DIGEST_CHARS = 32
# A name longer than this many words is typed wrong; the words past it are not indexed.
MAX_WORDS = 20

_WORD = re.compile(r"\w+")


def fold(text: str | None) -> str:
    """Lower case, no accents, words of letters and digits joined by one space: "  Núñez-García " -> "nunez garcia"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(plain.replace("_", " ")))


def _digest(purpose: str, folded: str, length: int) -> str:
    key = settings.BLIND_INDEX_KEY.encode("utf-8")
    # The purpose keeps the three kinds of digest apart: a one-word given name and that same word
    # as a search term never give the same value.
    return hmac.new(key, f"{purpose}\x00{folded}".encode(), hashlib.sha256).hexdigest()[:length]


def word_digest(word: str) -> str:
    return _digest("word", word, WORD_DIGEST_CHARS)


def given_name_key(given_name: str | None) -> str:
    """The key of the folded given name ("" without one): with the birth year, one duplicate rule."""
    folded = fold(given_name)
    return _digest("given", folded, NAME_DIGEST_CHARS) if folded else ""


def full_name_key(given_name: str | None, family_name: str | None) -> str:
    """The key of the folded full name, only when both names are known: the other duplicate rule."""
    given, family = fold(given_name), fold(family_name)
    return _digest("full", f"{given} {family}", NAME_DIGEST_CHARS) if given and family else ""


def name_words(given_name: str | None, family_name: str | None) -> str:
    """Every distinct word of both names as digests, comma-fenced (",d1,d2,") for a `__contains` lookup."""
    words = f"{fold(given_name)} {fold(family_name)}".split()[:MAX_WORDS]
    digests = sorted({word_digest(word) for word in words})
    return f",{','.join(digests)}," if digests else ""


def query_word_digests(query: str) -> list[str]:
    """The fenced digests a search must all find, one per distinct folded word of the query."""
    return [f",{word_digest(word)}," for word in dict.fromkeys(fold(query).split()[:MAX_WORDS])]


def index_values(given_name: str | None, family_name: str | None) -> dict[str, str]:
    """The index columns of a victim with these names."""
    return {
        "given_name_key": given_name_key(given_name),
        "full_name_key": full_name_key(given_name, family_name),
        "name_words": name_words(given_name, family_name),
    }
