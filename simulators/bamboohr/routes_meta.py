"""`GET /api/v1/meta/fields`: the field catalogue (id, name, type, alias)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.bamboohr import xmlout
from simulators.bamboohr.dialect import json_response, negotiate, not_acceptable
from simulators.bamboohr.store import BambooHRStore


def routes(store: BambooHRStore) -> list[Route]:
    async def fields(request: Request) -> Response:
        fmt = negotiate(request)
        if fmt is None:
            return not_acceptable()
        described = store.catalogue.describe()
        if fmt == "xml":
            return xmlout.xml_response(xmlout.meta_fields(described))
        return json_response(described)

    return [Route("/api/v1/meta/fields", fields, methods=["GET"])]
