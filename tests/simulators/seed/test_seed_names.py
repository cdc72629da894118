from __future__ import annotations

import random
import re

from simulators.seed.names import EmailAllocator, NameGenerator, email_local_part


def test_names_are_invented_from_fragments_and_reproducible() -> None:
    first = [NameGenerator(random.Random(7)).person() for _ in range(1)]
    again = [NameGenerator(random.Random(7)).person() for _ in range(1)]
    assert first == again
    gen = NameGenerator(random.Random(3))
    people = [gen.person() for _ in range(2000)]
    for given, family in people:
        assert re.fullmatch(r"[A-Z][a-z]{2,}", given), given
        assert re.fullmatch(r"[A-Z][a-z]{3,}", family), family
        assert not re.search(r"([aeiou])\1", given.lower()), given
    # Enough variety that a 10,000-person company is not a handful of families.
    assert len(set(people)) > 1900
    assert len({family for _, family in people}) > 300


def test_preferred_name_is_a_different_short_form() -> None:
    gen = NameGenerator(random.Random(11))
    for _ in range(500):
        given = gen.given_name()
        short = gen.preferred_name(given)
        assert short != given and short.lower() != given.lower()
        assert short[:2] == given[:2] and len(short) <= len(given) + 1


def test_email_allocator_adds_a_digit_on_collision_and_honours_reservations() -> None:
    allocator = EmailAllocator("acme.example")
    allocator.reserve("Okta.Admin@acme.example")
    assert allocator.allocate("Dora", "Ashby") == "dora.ashby@acme.example"
    assert allocator.allocate("DORA", "ashby") == "dora.ashby2@acme.example"
    assert allocator.allocate("Dora", "Ashby") == "dora.ashby3@acme.example"
    assert allocator.allocate("Okta", "Admin") == "okta.admin2@acme.example"
    assert allocator.taken("DORA.ASHBY@acme.example")
    assert email_local_part("Ana-Lu", "O'Dell") == "analu.odell"
