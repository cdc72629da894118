"""Edge cases of BambooHR's answers the simulator does not produce: the spec's alternative
error header, throttling without Retry-After, an answer that is not JSON."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from integrations.bamboohr import (
    BambooHRBadRequest,
    BambooHRClient,
    BambooHRRateLimited,
    BambooHRUnexpectedResponse,
)


def client_answering(response: httpx.Response) -> BambooHRClient:
    return BambooHRClient(
        "https://acme.bamboohr.com",
        SecretStr("edge-case-SECRET"),
        transport=httpx.MockTransport(lambda request: response),
    )


async def test_error_text_from_the_spec_header() -> None:
    answer = httpx.Response(
        422, headers={"X-BambooHR-Message": "Field customFoo is not a valid field"}
    )
    async with client_answering(answer) as hr:
        with pytest.raises(BambooHRBadRequest) as caught:
            await hr.get_employee("1", ["customFoo"])
    assert caught.value.message == "Field customFoo is not a valid field"
    assert str(caught.value) == (
        "BambooHR 422 GET /api/v1/employees/1: Field customFoo is not a valid field"
    )


async def test_a_429_without_retry_after_is_still_throttling() -> None:
    async with client_answering(httpx.Response(429)) as hr:
        with pytest.raises(BambooHRRateLimited) as caught:
            await hr.list_fields()
    assert caught.value.retry_after is None
    assert caught.value.message == "Too Many Requests"


async def test_an_answer_that_is_not_json_is_unexpected() -> None:
    xml = httpx.Response(200, content=b"<employee id='1'/>", headers={"Content-Type": "text/xml"})
    async with client_answering(xml) as hr:
        with pytest.raises(BambooHRUnexpectedResponse) as caught:
            await hr.get_employee("1", ["firstName"])
    assert "text/xml" in caught.value.message


async def test_the_key_echoed_by_a_server_is_masked() -> None:
    answer = httpx.Response(400, headers={"X-BambooHR-Error-Message": "bad key edge-case-SECRET"})
    async with client_answering(answer) as hr:
        with pytest.raises(BambooHRBadRequest) as caught:
            await hr.list_fields()
    assert "edge-case-SECRET" not in str(caught.value)
    assert caught.value.message == "bad key ***"
