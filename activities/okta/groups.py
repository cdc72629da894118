"""`GroupCache`: group name -> Okta group, resolved once per worker process.

Managed group names rarely change ids, so each name is searched once and kept; a miss (a
group created since, or one that vanished) searches again. Names compare case-insensitively,
as Okta keeps them unique regardless of case.
"""

from __future__ import annotations

import asyncio

from integrations.okta.client import OktaClient
from integrations.okta.models import OKTA_GROUP, OktaGroup


class GroupCache:
    def __init__(self, client: OktaClient) -> None:
        self._client = client
        self._groups: dict[str, OktaGroup] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.lookups = 0  # searches sent (for tests and benchmarks)

    async def resolve(self, name: str) -> OktaGroup | None:
        key = name.lower()
        group = self._groups.get(key)
        if group is not None:
            return group
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # concurrent activities asking for one name search once
            group = self._groups.get(key)
            if group is None:
                self.lookups += 1
                group = await self._client.find_group(name)
                if group is not None:
                    self._groups[key] = group
            return group

    async def check(self, names: list[str]) -> list[str]:
        """Start-up check of the policy's managed groups, one search each (the answers warm
        the cache). Returns a sentence per name that cannot be managed as configured."""
        problems: list[str] = []
        for name in names:
            self.lookups += 1
            found = await self._client.groups_named(name)
            owned = [g for g in found if g.type == OKTA_GROUP]
            if len(owned) == 1:
                self._groups[name.lower()] = owned[0]
            elif len(owned) > 1:
                ids = ", ".join(g.id for g in owned)
                problems.append(
                    f"managed group {name!r} is ambiguous: {len(owned)} Okta groups ({ids}); "
                    "rename all but one"
                )
            elif found:
                kinds = ", ".join(sorted({g.type for g in found}))
                problems.append(
                    f"managed group {name!r} exists only as {kinds} (imported; its memberships "
                    "cannot be managed): create an OKTA_GROUP of that name or remove it from "
                    "the policy"
                )
            else:
                problems.append(f"managed group {name!r} does not exist in Okta: create it")
        return problems

    def remember(self, group: OktaGroup) -> None:
        """Learn a group seen elsewhere (e.g. in a user's group listing). Only OKTA_GROUPs:
        a same-named APP_GROUP must never stand in for a managed group."""
        if group.name and group.type == OKTA_GROUP:
            self._groups[group.name.lower()] = group

    def forget(self, name: str) -> None:
        self._groups.pop(name.lower(), None)
