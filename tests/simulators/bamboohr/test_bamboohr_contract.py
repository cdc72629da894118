"""Every implemented operation answers as the official spec says (validated by the `api`
client's contract hook), and malformed requests get BambooHR's status + error header."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
from bamboohr_contract import BambooHRContract
from bamboohr_testdata import Company

from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_WEBHOOK_KEY
from simulators.bamboohr import BambooHRSimulator
from simulators.bamboohr.app import DEFAULT_API_KEY, DEFAULT_WEBHOOK_KEY

ERROR = "X-BambooHR-Error-Message"


def test_simulator_defaults_are_the_settings_defaults() -> None:
    assert DEFAULT_API_KEY == SIM_BAMBOOHR_KEY
    assert DEFAULT_WEBHOOK_KEY == SIM_WEBHOOK_KEY


def test_get_employee_returns_the_requested_fields_flat(
    api: httpx.Client, company: Company
) -> None:
    r = api.get(
        f"/api/v1/employees/{company.dev}",
        params={
            "fields": "firstName,lastName,preferredName,displayName,workEmail,department,"
            "division,location,jobTitle,supervisor,supervisorEId,supervisorId,"
            "supervisorEmail,hireDate,originalHireDate,terminationDate,status,"
            "employmentHistoryStatus,lastChanged,customJobLevel,4002,employeeNumber"
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body == {
        "id": company.dev,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "preferredName": "Addie",
        "displayName": "Addie Lovelace",
        "workEmail": "ada.lovelace@acme.test",
        "department": "Engineering",
        "division": "R&D",
        "location": "London",
        "jobTitle": "Software Engineer",
        "supervisor": "Turing, Alan",
        "supervisorEId": company.manager,
        "supervisorId": "1002",
        "supervisorEmail": "alan.turing@acme.test",
        "hireDate": "2021-06-01",
        "originalHireDate": "0000-00-00",
        "terminationDate": "0000-00-00",
        "status": "Active",
        "employmentHistoryStatus": "Full-Time",
        "lastChanged": "2025-03-03T12:00:00Z",
        "customJobLevel": "IC3",
        "4002": None,
        "employeeNumber": "1003",
    }


def test_get_employee_defaults_and_unknown_fields(api: httpx.Client, company: Company) -> None:
    assert api.get(f"/api/v1/employees/{company.ceo}").json() == {
        "id": company.ceo,
        "firstName": "Grace",
        "lastName": "Hopper",
    }
    r = api.get(f"/api/v1/employees/{company.ceo}", params={"fields": "firstName,noSuchField"})
    assert r.json() == {"id": company.ceo, "firstName": "Grace"}


def test_unknown_employee_is_404_with_error_header(api: httpx.Client, company: Company) -> None:
    r = api.get("/api/v1/employees/999")
    assert r.status_code == 404
    assert r.headers[ERROR] == "Employee not found"


def test_more_than_400_fields_is_400(api: httpx.Client, company: Company) -> None:
    names = ",".join(f"field{i}" for i in range(401))
    r = api.get(f"/api/v1/employees/{company.ceo}", params={"fields": names})
    assert r.status_code == 400
    assert "400" in r.headers[ERROR]


def test_employee_zero_is_the_api_users_employee(clock, contract: BambooHRContract) -> None:
    from integrations.serving import ThreadedServer

    sim = BambooHRSimulator(clock=clock, store_options={"api_user_employee_id": "1"})
    sim.store.hire("Key", "Owner", "key.owner@acme.test", hire_date="2020-01-01")
    with (
        ThreadedServer(sim.app) as server,
        httpx.Client(
            base_url=server.url,
            auth=(SIM_BAMBOOHR_KEY, "x"),
            headers={"Accept": "application/json"},
            event_hooks={"response": [contract.check]},
            trust_env=False,
        ) as client,
    ):
        assert client.get("/api/v1/employees/0").json()["firstName"] == "Key"


@pytest.mark.parametrize(
    "auth",
    [None, ("wrong-key", "x"), (SIM_BAMBOOHR_KEY[:-1], "x")],
    ids=["missing", "wrong", "prefix"],
)
def test_requests_without_the_api_key_are_401(
    anon: httpx.Client, company: Company, auth: tuple[str, str] | None
) -> None:
    for path in (f"/api/v1/employees/{company.ceo}", "/api/v1/webhooks", "/_sim/state"):
        r = anon.get(path, auth=auth, headers={"Accept": "application/json"})
        assert r.status_code == 401, path
        assert r.headers[ERROR].startswith("Unauthorized")


def test_any_password_is_accepted(anon: httpx.Client, company: Company) -> None:
    r = anon.get(
        f"/api/v1/employees/{company.ceo}",
        auth=(SIM_BAMBOOHR_KEY, "anything at all"),
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200


def test_xml_is_the_default_format(anon: httpx.Client, company: Company) -> None:
    auth = (SIM_BAMBOOHR_KEY, "x")
    r = anon.get(f"/api/v1/employees/{company.ceo}", auth=auth)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "employee" and root.get("id") == company.ceo
    assert {f.get("id"): f.text for f in root} == {"firstName": "Grace", "lastName": "Hopper"}
    assert ET.fromstring(anon.get("/api/v1/meta/fields", auth=auth).content).tag == "fields"
    directory = ET.fromstring(anon.get("/api/v1/employees/directory", auth=auth).content)
    assert len(directory.findall("./employees/employee")) == 3
    r = anon.get(f"/api/v1/employees/{company.ceo}", auth=auth, headers={"Accept": "text/html"})
    assert r.status_code == 406
    assert r.headers[ERROR]


def test_xml_shapes_of_the_other_reads(anon: httpx.Client, company: Company) -> None:
    auth = (SIM_BAMBOOHR_KEY, "x")
    since = {"since": "2025-01-01T00:00:00Z"}
    changed = ET.fromstring(anon.get("/api/v1/employees/changed", params=since, auth=auth).content)
    assert changed.get("latest") == "2025-03-03T12:00:00Z"
    assert [(e.get("id"), e.get("action")) for e in changed] == [
        (company.ceo, "Inserted"),
        (company.manager, "Inserted"),
        (company.dev, "Inserted"),
    ]
    table = ET.fromstring(
        anon.get(f"/api/v1/employees/{company.dev}/tables/jobInfo", auth=auth).content
    )
    (row,) = table.findall("row")
    assert row.get("employeeId") == company.dev
    assert {f.get("id"): f.text for f in row}["reportsTo"] == "Alan Turing"
    tables = ET.fromstring(
        anon.get("/api/v1/employees/changed/tables/jobInfo", params=since, auth=auth).content
    )
    assert [e.get("id") for e in tables.findall("employee")] == [
        company.ceo,
        company.manager,
        company.dev,
    ]


def test_legacy_gateway_prefix_serves_the_same_api(api: httpx.Client, company: Company) -> None:
    direct = api.get(f"/api/v1/employees/{company.dev}", params={"fields": "workEmail"})
    legacy = api.get(
        f"/api/gateway.php/acme/v1/employees/{company.dev}/", params={"fields": "workEmail"}
    )
    assert legacy.status_code == 200
    assert legacy.json() == direct.json()
    other = api.get(f"/api/gateway.php/globex/v1/employees/{company.dev}")
    assert other.status_code == 404
    assert "globex" in other.headers[ERROR]


def test_directory_lists_active_employees(
    api: httpx.Client, sim: BambooHRSimulator, company: Company
) -> None:
    sim.store.terminate(company.dev, "2025-02-28")
    r = api.get("/api/v1/employees/directory")
    assert r.status_code == 200
    body = r.json()
    assert {f["id"] for f in body["fields"]} >= {"displayName", "workEmail", "department"}
    assert [e["id"] for e in body["employees"]] == [company.ceo, company.manager]
    assert body["employees"][1]["displayName"] == "Alan Turing"


def test_empty_directory_is_404(api: httpx.Client) -> None:
    r = api.get("/api/v1/employees/directory")
    assert r.status_code == 404
    assert r.headers[ERROR]


def test_tables_for_one_and_all_employees(api: httpx.Client, company: Company) -> None:
    rows = api.get(f"/api/v1/employees/{company.dev}/tables/jobInfo").json()
    assert rows == [
        {
            "id": rows[0]["id"],
            "employeeId": company.dev,
            "date": "2021-06-01",
            "location": "London",
            "division": "R&D",
            "department": "Engineering",
            "jobTitle": "Software Engineer",
            "reportsTo": "Alan Turing",
        }
    ]
    status = api.get(f"/api/v1/employees/{company.dev}/tables/employmentStatus").json()
    assert [(r["date"], r["employmentStatus"]) for r in status] == [("2021-06-01", "Full-Time")]
    everyone = api.get("/api/v1/employees/all/tables/employmentStatus").json()
    assert sorted(r["employeeId"] for r in everyone) == sorted(
        [company.ceo, company.manager, company.dev]
    )
    assert api.get(f"/api/v1/employees/{company.dev}/tables/bogus").status_code == 404
    assert api.get("/api/v1/employees/999/tables/jobInfo").status_code == 404


def test_meta_fields_lists_standard_and_custom_fields(api: httpx.Client) -> None:
    fields = api.get("/api/v1/meta/fields").json()
    by_alias = {f["alias"]: f for f in fields}
    assert by_alias["customJobLevel"]["id"] == 4001
    assert by_alias["customCostCenter"]["id"] == 4002
    assert by_alias["customLeaveReturnDate"] == {
        "id": 4003,
        "name": "Leave Return Date",
        "type": "date",
        "alias": "customLeaveReturnDate",
    }
    assert {"firstName", "workEmail", "supervisorEId", "employmentHistoryStatus"} <= set(by_alias)


def test_custom_field_catalogue_is_configurable(clock) -> None:
    from simulators.bamboohr.fields import FieldCatalogue, FieldDef

    catalogue = FieldCatalogue([FieldDef(4100, "Okta Login", "text", "customOktaLogin")])
    sim = BambooHRSimulator(clock=clock, catalogue=catalogue)
    eid = sim.store.hire("A", "B", "a@b.test", fields={"customOktaLogin": "ab"})
    assert sim.store.get(eid, ["4100", "customJobLevel"]) == {"id": eid, "4100": "ab"}


def test_custom_report_includes_inactive_employees(
    api: httpx.Client, sim: BambooHRSimulator, company: Company
) -> None:
    sim.store.terminate(company.dev, "2025-02-28")
    r = api.post(
        "/api/v1/reports/custom",
        params={"format": "json"},
        json={
            "title": "okta",
            "fields": ["firstName", "status", "4001", "terminationDate", "nope"],
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == "okta"
    assert [f["id"] for f in body["fields"]] == ["firstName", "status", "4001", "terminationDate"]
    rows = {e["id"]: e for e in body["employees"]}
    assert rows[company.dev] == {
        "id": company.dev,
        "firstName": "Ada",
        "status": "Inactive",
        "4001": "IC3",
        "terminationDate": "2025-02-28",
    }
    assert rows[company.ceo]["4001"] == ""  # the spec's report values are strings


def test_custom_report_filters(
    api: httpx.Client, sim: BambooHRSimulator, clock, company: Company
) -> None:
    clock.advance(3600)
    sim.store.update_fields(company.manager, {"mobilePhone": "+49 30 1234"})
    body = {
        "fields": ["firstName"],
        "filters": {"lastChanged": {"includeNull": "no", "value": "2025-03-03T12:30:00Z"}},
    }
    r = api.post("/api/v1/reports/custom", params={"format": "json"}, json=body)
    assert [e["id"] for e in r.json()["employees"]] == [company.manager]
    body = {"fields": ["firstName"], "filters": {"employeeIds": [int(company.dev)]}}
    r = api.post("/api/v1/reports/custom", params={"format": "json"}, json=body)
    assert [e["id"] for e in r.json()["employees"]] == [company.dev]


def test_custom_report_only_current(
    api: httpx.Client, sim: BambooHRSimulator, company: Company
) -> None:
    sim.store.change_job(company.dev, "2025-04-01", department="Research")
    body = {"fields": ["department"], "filters": {"employeeIds": [int(company.dev)]}}
    now = api.post("/api/v1/reports/custom", params={"format": "json"}, json=body).json()
    later = api.post(
        "/api/v1/reports/custom", params={"format": "json", "onlyCurrent": "false"}, json=body
    ).json()
    assert now["employees"][0]["department"] == "Engineering"
    assert later["employees"][0]["department"] == "Research"


def test_custom_report_content_type_must_be_exactly_json(
    api: httpx.Client, company: Company
) -> None:
    r = api.post(
        "/api/v1/reports/custom",
        params={"format": "json"},
        content=b'{"fields": ["firstName"]}',
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert r.status_code == 400
    assert r.headers[ERROR] == "Malformed XML"


def test_custom_report_accepts_an_xml_definition(api: httpx.Client, company: Company) -> None:
    xml = b'<report><title>x</title><fields><field id="workEmail"/></fields></report>'
    r = api.post(
        "/api/v1/reports/custom",
        params={"format": "json"},
        content=xml,
        headers={"Content-Type": "application/xml"},
    )
    assert r.status_code == 200
    assert {e["workEmail"] for e in r.json()["employees"]} == {
        "grace.hopper@acme.test",
        "alan.turing@acme.test",
        "ada.lovelace@acme.test",
    }


def test_custom_report_format_rules(api: httpx.Client, company: Company) -> None:
    body = {"fields": ["firstName"]}
    assert (
        api.post("/api/v1/reports/custom", params={"format": "bogus"}, json=body).status_code == 404
    )
    # No format: the Accept header decides, and only exact values count.
    r = api.post("/api/v1/reports/custom", json=body, headers={"Accept": "*/*"})
    assert r.status_code == 404
    r = api.post("/api/v1/reports/custom", json=body)  # Accept: application/json
    assert r.status_code == 200
    csv = api.post("/api/v1/reports/custom", params={"format": "csv"}, json=body)
    assert csv.text.splitlines()[0] == "id,First Name"
    xml = api.post("/api/v1/reports/custom", params={"format": "xml"}, json=body)
    assert ET.fromstring(xml.content).tag == "report"
    # Documented as case-insensitive, though the spec's enum is lower-case: no contract hook.
    with httpx.Client(base_url=str(api.base_url), auth=api.auth, trust_env=False) as plain:
        upper = plain.post("/api/v1/reports/custom", params={"format": "JSON"}, json=body)
    assert upper.status_code == 200 and upper.json()["employees"]
    bad = api.post(
        "/api/v1/reports/custom",
        params={"format": "json"},
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 400
    assert bad.headers[ERROR] == "Malformed JSON"
    too_many = {"fields": [f"f{i}" for i in range(401)]}
    r = api.post("/api/v1/reports/custom", params={"format": "json"}, json=too_many)
    assert r.status_code == 400


def test_webhook_crud(api: httpx.Client) -> None:
    body = {
        "name": "okta sync",
        "url": "https://hooks.example.test/bamboohr",
        "format": "json",
        "events": ["employee.created", "employee.updated", "employee.deleted"],
        "monitorFields": ["firstName", "department", "4001"],
    }
    created = api.post("/api/v1/webhooks", json=body)
    assert created.status_code == 201
    hook = created.json()
    assert hook["privateKey"] == SIM_WEBHOOK_KEY
    assert hook["monitorFields"] == ["firstName", "department", "4001"]
    listed = api.get("/api/v1/webhooks").json()["webhooks"]
    assert [(w["id"], w["name"], w["lastSent"]) for w in listed] == [
        (hook["id"], "okta sync", None)
    ]
    one = api.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert "privateKey" not in one  # returned once, at creation
    assert one["events"] == body["events"]
    replaced = api.put(f"/api/v1/webhooks/{hook['id']}", json={**body, "name": "renamed"})
    assert replaced.status_code == 200 and replaced.json()["name"] == "renamed"
    deleted = api.delete(f"/api/v1/webhooks/{hook['id']}")
    assert deleted.status_code == 200
    assert api.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    assert api.get("/api/v1/webhooks").json() == {"webhooks": []}


@pytest.mark.parametrize(
    ("body", "status", "issue"),
    [
        ({"url": "https://x.test", "format": "json", "monitorFields": ["firstName"]}, 400, "name"),
        ({"name": "n", "url": "https://x.test", "monitorFields": ["firstName"]}, 400, "format"),
        (
            {
                "name": "n",
                "url": "http://x.test/h",
                "format": "json",
                "monitorFields": ["firstName"],
            },
            400,
            "https",
        ),
        ({"name": "n", "url": "https://x.test", "format": "json"}, 400, "monitorFields"),
        (
            {
                "name": "n",
                "url": "https://x.test",
                "format": "json",
                "monitorFields": ["firstName"],
                "events": ["employee.updated", "employee_with_fields.updated"],
            },
            400,
            "mixed",
        ),
        (
            {"name": "n", "url": "https://x.test", "format": "json", "monitorFields": ["nope"]},
            403,
            "nope",
        ),
    ],
    ids=["no-name", "no-format", "plain-http", "no-monitor", "mixed-families", "unknown-field"],
)
def test_webhook_registration_is_validated(
    api: httpx.Client, body: dict, status: int, issue: str
) -> None:
    r = api.post("/api/v1/webhooks", json=body)
    assert r.status_code == status
    assert r.headers[ERROR]
    text = r.text if issue != "mixed" else r.text.replace("cannot be mixed", "mixed")
    assert issue in text


def test_webhooks_may_post_to_localhost_over_http(api: httpx.Client) -> None:
    body = {
        "name": "local",
        "url": "http://127.0.0.1:9/hook",
        "format": "json",
        "events": ["employee.created"],
    }
    assert api.post("/api/v1/webhooks", json=body).status_code == 201


def test_webhook_log(api: httpx.Client, receiver, sim: BambooHRSimulator) -> None:
    _, url = receiver
    hook = api.post(
        "/api/v1/webhooks",
        json={"name": "log", "url": url, "format": "json", "events": ["employee.created"]},
    ).json()
    sim.store.hire("Log", "Me", "log.me@acme.test")
    sim.flush_webhooks()
    entries = api.get(f"/api/v1/webhooks/{hook['id']}/log").json()
    assert [(e["statusCode"], e["employeeIds"]) for e in entries] == [("200", ["1"])]
    assert api.get("/api/v1/webhooks/77/log").status_code == 404


def test_update_employee_sets_fields_and_reports_the_change(
    api: httpx.Client, sim: BambooHRSimulator, company: Company
) -> None:
    since = sim.clock.now()
    sim.clock.advance(5)
    r = api.post(f"/api/v1/employees/{company.dev}", json={"workEmail": "dev.new@acme.test"})
    assert r.status_code == 200 and r.content == b""
    got = api.get(f"/api/v1/employees/{company.dev}", params={"fields": "workEmail"}).json()
    assert got["workEmail"] == "dev.new@acme.test"
    changed = api.get(
        "/api/v1/employees/changed", params={"since": since.isoformat().replace("+00:00", "Z")}
    ).json()["employees"]
    assert company.dev in changed  # the poller sees the write


def test_update_employee_refusals(
    api: httpx.Client, sim: BambooHRSimulator, company: Company
) -> None:
    taken = api.get(f"/api/v1/employees/{company.manager}", params={"fields": "workEmail"}).json()
    r = api.post(f"/api/v1/employees/{company.dev}", json={"workEmail": taken["workEmail"]})
    assert r.status_code == 409 and "already used" in r.headers[ERROR]
    assert (
        api.post("/api/v1/employees/999999", json={"workEmail": "x@acme.test"}).status_code == 404
    )
    bad = api.post(
        f"/api/v1/employees/{company.dev}",
        content=b"{",
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 400
    assert (
        api.post(f"/api/v1/employees/{company.dev}", json={"noSuchField": "x"}).status_code == 400
    )
    # A key whose user may not write the field: 403 with the reason, nothing changed.
    assert api.put("/_sim/permissions", json={"denyWrite": ["workEmail"]}).status_code == 200
    r = api.post(f"/api/v1/employees/{company.dev}", json={"workEmail": "dev.x@acme.test"})
    assert r.status_code == 403 and "permission" in r.headers[ERROR]
    got = api.get(f"/api/v1/employees/{company.dev}", params={"fields": "workEmail"}).json()
    assert got["workEmail"] != "dev.x@acme.test"
    assert (
        api.post(
            f"/api/v1/employees/{company.dev}", json={"mobilePhone": "+1 555 0100"}
        ).status_code
        == 200
    )
    api.put("/_sim/permissions", json={"denyWrite": ["*"]})
    r = api.post(f"/api/v1/employees/{company.dev}", json={"mobilePhone": "+1 555 0101"})
    assert r.status_code == 403


def test_every_operation_answers_per_spec(
    api: httpx.Client, contract: BambooHRContract, company: Company
) -> None:
    """One call of each operation in the trimmed spec, each validated by the contract hook."""
    contract.checked.clear()
    api.get(f"/api/v1/employees/{company.dev}", params={"fields": "workEmail"})
    api.post(f"/api/v1/employees/{company.dev}", json={"mobilePhone": "+1 555 0100"})
    api.get("/api/v1/employees/directory")
    api.get("/api/v1/employees/changed", params={"since": "2025-01-01T00:00:00Z"})
    api.get("/api/v1/employees/changed/tables/jobInfo", params={"since": "2025-01-01T00:00:00Z"})
    api.get(f"/api/v1/employees/{company.dev}/tables/employmentStatus")
    api.post("/api/v1/reports/custom", params={"format": "json"}, json={"fields": ["firstName"]})
    api.get("/api/v1/meta/fields")
    hook = {"name": "h", "url": "https://h.test", "format": "json", "monitorFields": ["firstName"]}
    webhook_id = api.post("/api/v1/webhooks", json=hook).json()["id"]
    api.get("/api/v1/webhooks")
    api.get(f"/api/v1/webhooks/{webhook_id}")
    api.put(f"/api/v1/webhooks/{webhook_id}", json=hook)
    api.get(f"/api/v1/webhooks/{webhook_id}/log")
    api.delete(f"/api/v1/webhooks/{webhook_id}")
    expected = {op["operationId"] for op in contract.operations.values()}
    assert expected == set(contract.checked), sorted(expected ^ set(contract.checked))
