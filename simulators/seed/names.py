"""Invented person names and the work e-mail addresses built from them.

Names are assembled from syllable fragments written for this module (no list of real names
is copied, and no real person is meant). A fragment combination may by chance equal a name
somebody has; that is unavoidable and harmless, because the combination of invented first
name, invented family name, fictional company and reserved `.example` domains never points
at a real person.

Everything is driven by the `random.Random` handed in, so the same seed yields the same
people in the same order.
"""

from __future__ import annotations

import random
import re

COMPANY_DOMAIN = "acme.example"
"""Work e-mail domain. `.example` is reserved by IANA (RFC 2606), so nothing can leak out."""

HOME_DOMAIN = "home.example"

# Given names: onset + optional middle + ending. Onsets carry the first vowel so that every
# combination is pronounceable; endings are split in two "flavours" that read naturally.
_GIVEN_ONSETS = (
    "Ala",
    "Bre",
    "Cae",
    "Dara",
    "Ela",
    "Fen",
    "Gari",
    "Hale",
    "Isa",
    "Jora",
    "Kae",
    "Lio",
    "Mae",
    "Nira",
    "Ore",
    "Pela",
    "Quin",
    "Rhe",
    "Sora",
    "Tavi",
    "Ulla",
    "Vela",
    "Wyn",
    "Xan",
    "Yara",
    "Zeph",
    "Ama",
    "Belo",
    "Cori",
    "Deva",
    "Esme",
    "Fari",
    "Ilo",
    "Juna",
    "Keli",
    "Lune",
    "Mori",
    "Nesa",
    "Oli",
    "Rina",
)
_GIVEN_MIDDLES = ("", "", "", "l", "n", "r", "v", "s", "th", "d", "m", "ll")
_GIVEN_ENDINGS = (
    "a",
    "o",
    "en",
    "an",
    "ia",
    "is",
    "el",
    "on",
    "yn",
    "ette",
    "ari",
    "ius",
    "ena",
    "ric",
    "wen",
    "dor",
    "mir",
    "ise",
    "ovan",
    "ie",
)

# Family names: two families of fragments so the company does not sound like one village.
_FAMILY_STEMS = (
    "Ash",
    "Bram",
    "Cald",
    "Dun",
    "Elm",
    "Fair",
    "Gorm",
    "Hal",
    "Ivers",
    "Kest",
    "Lind",
    "Marl",
    "Nor",
    "Oak",
    "Pell",
    "Quar",
    "Rook",
    "Sted",
    "Thorn",
    "Ulver",
    "Vell",
    "Wick",
    "Yarr",
    "Brack",
    "Crest",
    "Dorn",
    "Fenn",
    "Holl",
)
_FAMILY_SUFFIXES = (
    "by",
    "dale",
    "ford",
    "ham",
    "ley",
    "mere",
    "ton",
    "well",
    "worth",
    "ridge",
    "stead",
    "cott",
    "brook",
    "holt",
    "more",
    "shaw",
    "wyn",
    "garth",
    "ing",
    "croft",
)
_FAMILY_ROOTS = (
    "Ka",
    "Ma",
    "No",
    "Ta",
    "Ri",
    "Se",
    "Vo",
    "Za",
    "Lo",
    "De",
    "Be",
    "Ha",
    "Jo",
    "Mi",
    "Tu",
    "Ve",
)
_FAMILY_TAILS = (
    "murane",
    "lanvi",
    "vetti",
    "rozan",
    "dovesc",
    "essent",
    "arrow",
    "konen",
    "quisto",
    "andrel",
    "berin",
    "sovar",
    "telli",
    "navar",
    "rusk",
    "mondi",
    "zaryn",
    "kelund",
)

# Short forms people go by, built from the first syllable of the given name.
_NICK_TAILS = ("", "y", "i", "ie", "o")

_NON_ALPHA = re.compile(r"[^a-z]")


class NameGenerator:
    """Invented (first, last) names and preferred short forms from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def given_name(self) -> str:
        rng = self._rng
        onset = rng.choice(_GIVEN_ONSETS)
        middle = rng.choice(_GIVEN_MIDDLES)
        ending = rng.choice(_GIVEN_ENDINGS)
        # Avoid doubled vowels at the seam ("Alaa...") that read like typos.
        if not middle and onset[-1] in "aeiou":
            ending = ending.lstrip("aeiou") or "n"
        return (onset + middle + ending).capitalize()

    def family_name(self) -> str:
        rng = self._rng
        if rng.random() < 0.6:
            return rng.choice(_FAMILY_STEMS) + rng.choice(_FAMILY_SUFFIXES)
        root, tail = rng.choice(_FAMILY_ROOTS), rng.choice(_FAMILY_TAILS)
        if tail[0] in "aeiou":  # roots end in a vowel: "Ta" + "andrel" would read "Taandrel"
            tail = tail[1:]
        return root + tail

    def person(self) -> tuple[str, str]:
        return self.given_name(), self.family_name()

    def preferred_name(self, given: str) -> str:
        """A short form of `given` that differs from it (e.g. "Doranel" → "Dory")."""
        stem = given[:3] if len(given) > 4 else given[:2]
        if stem[-1] in "aeiou" and len(stem) > 2:
            stem = stem[:-1]
        short = stem + self._rng.choice(_NICK_TAILS)
        if short.lower() == given.lower():
            short = stem + "o" if not short.endswith("o") else stem + "y"
        return short


def email_local_part(first: str, last: str) -> str:
    """`first.last` lowercased and reduced to a-z (names here are ASCII, but be strict)."""
    return f"{_NON_ALPHA.sub('', first.lower())}.{_NON_ALPHA.sub('', last.lower())}"


class EmailAllocator:
    """Hands out unique addresses `first.last@domain`, `first.last2@domain`, ...

    Uniqueness is case-insensitive (Okta logins are), and addresses can be reserved up front
    (service accounts) so that no person ever receives them.
    """

    def __init__(self, domain: str = COMPANY_DOMAIN) -> None:
        self.domain = domain
        self._taken: set[str] = set()

    def reserve(self, address: str) -> None:
        self._taken.add(address.lower())

    def taken(self, address: str) -> bool:
        return address.lower() in self._taken

    def allocate(self, first: str, last: str) -> str:
        return self.allocate_local(email_local_part(first, last))

    def allocate_local(self, local: str) -> str:
        candidate = f"{local}@{self.domain}"
        counter = 1
        while candidate.lower() in self._taken:
            counter += 1
            candidate = f"{local}{counter}@{self.domain}"
        self._taken.add(candidate.lower())
        return candidate
