"""docker-compose.yml, checked without a Docker engine: valid against the Compose
Specification schema, every image pinned, every referenced file present, the worker
scalable, start-up ordered by health, and its pieces consistent with the code (settings
names, search attributes, ports)."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from lifecycle.settings import Settings
from workflows import search_attributes

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
APP_SERVICES = ("worker", "webhook", "okta-hooks", "codec-server")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())  # resolves the <<: merge keys as compose does
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def test_validates_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_the_schema_rejects_what_compose_rejects() -> None:
    """The vendored schema is live: a misspelt key fails validation."""
    schema = json.loads(SCHEMA.read_text())
    bad = {"services": {"worker": {"image": "x:1", "depends_on": {"temporal": {"conditon": "x"}}}}}
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(bad))


def test_every_image_is_pinned_to_a_version(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = service.get("image")
        assert image or service.get("build"), f"{name}: neither image nor build"
        if image is None:
            continue
        assert "${" not in image, f"{name}: image version must not come from the environment"
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned"


def test_our_image_is_tagged_with_the_package_version(services: dict[str, Any]) -> None:
    import tomllib

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    for name in APP_SERVICES:
        assert services[name]["image"] == f"bamboohr-okta-lifecycle:{version}"
        assert services[name]["build"] == {"context": ".", "dockerfile": "Dockerfile"}


def referenced_files(services: dict[str, Any]) -> list[tuple[str, Path, bool]]:
    """(service, path, required) for every file or directory the compose file points at."""
    found: list[tuple[str, Path, bool]] = []
    for name, service in services.items():
        build = service.get("build")
        if isinstance(build, str):
            found.append((name, REPO / build, True))
        elif isinstance(build, dict):
            context = REPO / build.get("context", ".")
            found.append((name, context, True))
            found.append((name, context / build.get("dockerfile", "Dockerfile"), True))
        env_files = service.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, str) else env_files:
            if isinstance(entry, str):
                found.append((name, REPO / entry, True))
            else:
                found.append((name, REPO / entry["path"], entry.get("required", True)))
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict) and volume.get("type") == "bind":
                found.append((name, REPO / volume["source"], True))
            elif isinstance(volume, str) and volume.startswith((".", "/")):
                found.append((name, REPO / volume.split(":", 1)[0], True))
    return found


def test_every_referenced_file_exists(services: dict[str, Any]) -> None:
    files = referenced_files(services)
    assert any(p.name == "otel-collector.yaml" for _, p, _ in files)
    for service, path, _required in files:
        if path == REPO / ".env":
            # The operator's copy of .env.example; never committed (it holds secrets).
            assert (REPO / ".env.example").is_file()
            assert ".env" in (REPO / ".gitignore").read_text().split()
            continue
        assert path.exists(), f"{service}: {path.relative_to(REPO)} does not exist"


def test_the_worker_scales(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["worker"]
    # Longer than the worker's own graceful shutdown, so activities can finish.
    from workers.worker import GRACEFUL_SHUTDOWN

    grace = worker["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) > GRACEFUL_SHUTDOWN.total_seconds()


def test_start_up_is_ordered_by_health(services: dict[str, Any]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for target, rule in depends.items():
            assert target in services, f"{name} depends on unknown {target}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no healthcheck"
            if condition == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} must run once"
    worker = services["worker"]["depends_on"]
    assert worker["temporal"]["condition"] == "service_healthy"
    assert worker["postgresql"]["condition"] == "service_healthy"
    assert worker["temporal-namespace"]["condition"] == "service_completed_successfully"
    for name in ("postgresql", "temporal", *APP_SERVICES):
        assert services[name]["healthcheck"]["test"], name


def test_app_services_take_env_from_dotenv_and_only_known_settings(
    services: dict[str, Any],
) -> None:
    known = {name.upper() for name in Settings.model_fields}
    otel = {"OTEL_SERVICE_NAME"}
    for name in APP_SERVICES:
        service = services[name]
        assert service["env_file"] == [{"path": ".env", "required": True}]
        for variable in service["environment"]:
            assert variable in known | otel, f"{name}: {variable} is not a setting"


def test_app_commands_parse_with_the_cli(services: dict[str, Any]) -> None:
    from starters import codec_cmd, worker_cmd
    from starters.okta_hooks import cmd as okta_hooks_cmd
    from starters.webhook import cmd as webhook_cmd

    parser = argparse.ArgumentParser(prog="lifecycle")
    sub = parser.add_subparsers()
    for module in (worker_cmd, webhook_cmd, okta_hooks_cmd, codec_cmd):
        module.register(sub)
    for name in APP_SERVICES:
        args = parser.parse_args(services[name]["command"])
        assert callable(args.handler)
    assert parser.parse_args(services["codec-server"]["command"]).host == "0.0.0.0"


def test_every_interpolated_variable_has_a_default_or_is_documented(
    services: dict[str, Any],
) -> None:
    documented = {
        line.split("=", 1)[0].strip()
        for line in (REPO / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    text = COMPOSE.read_text()
    for variable, operator, _ in _VAR.findall(text):
        if operator in (":-", "-"):
            continue
        assert variable in documented, f"${{{variable}}} is required but not in .env.example"
    required = {v for v, op, _ in _VAR.findall(text) if op in (":?", "?")}
    assert {"POSTGRES_PASSWORD", "LIFECYCLE_ENCRYPTION_KEYS", "LIFECYCLE_CODEC_TOKEN"} <= required


def test_namespace_job_registers_what_the_workflows_upsert(
    services: dict[str, Any],
) -> None:
    job = services["temporal-namespace"]
    [mount] = job["volumes"]
    script = REPO / mount["source"]
    assert job["entrypoint"] == ["/bin/sh", mount["target"]]
    text = script.read_text()
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "TEXT": "Text", "INT": "Int"}
    wanted = {(k.name, kinds[k.indexed_value_type.name]) for k in search_attributes.ALL}
    registered = set(re.findall(r"^create (\w+) (\w+)$", text, flags=re.MULTILINE))
    assert registered == wanted
    assert "namespace create" in text and "--retention 168h" in text
    subprocess.run(["sh", "-n", str(script)], check=True)


def test_no_deprecated_or_end_of_life_image(services: dict[str, Any]) -> None:
    # auto-setup is no longer published; Jaeger v1 (all-in-one) reached end of life.
    retired = ("temporalio/auto-setup", "jaegertracing/all-in-one")
    for name, service in services.items():
        assert not str(service.get("image", "")).startswith(retired), name
    assert services["jaeger"]["image"].startswith("jaegertracing/jaeger:2.")


def test_one_shot_jobs_set_up_temporal_in_order(services: dict[str, Any]) -> None:
    """Schema (admin-tools) → server → namespace and search attributes (admin-tools) →
    our Schedules; the services that need them wait for each to complete successfully."""
    server_version = services["temporal"]["image"].removeprefix("temporalio/server:")
    for job in ("temporal-schema", "temporal-namespace"):
        # The admin tools of the server's own version: its schema and its CLI.
        assert services[job]["image"] == f"temporalio/admin-tools:{server_version}", job
        assert services[job]["restart"] == "no"
        [mount] = services[job]["volumes"]
        assert services[job]["entrypoint"] == ["/bin/sh", mount["target"]]
        subprocess.run(["sh", "-n", str(REPO / mount["source"])], check=True)

    def waits_for(service: str, job: str) -> bool:
        rule = services[service]["depends_on"].get(job) or {}
        return rule.get("condition") == "service_completed_successfully"

    assert waits_for("temporal", "temporal-schema")
    assert services["temporal-namespace"]["depends_on"]["temporal"]["condition"] == (
        "service_healthy"
    )
    for name in ("worker", "webhook", "okta-hooks", "schedules"):
        assert waits_for(name, "temporal-namespace"), name
    schema_script = (REPO / "deploy/temporal/setup-schema.sh").read_text()
    for db in ("temporal", "temporal_visibility"):
        assert db in schema_script
    assert "update-schema" in schema_script and "setup-schema -v 0.0" in schema_script


def test_schedules_job_applies_our_schedules_once(services: dict[str, Any]) -> None:
    from starters import schedules

    job = services["schedules"]
    assert job["restart"] == "no"
    assert job["image"] == services["worker"]["image"]
    parser = argparse.ArgumentParser(prog="lifecycle")
    schedules.register(parser.add_subparsers())
    args = parser.parse_args(job["command"])
    assert job["command"] == ["schedules", "apply"] and callable(args.handler)
    # The same settings as the worker: the Schedules start workflows on its task queue.
    assert job["env_file"] == services["worker"]["env_file"]
    assert (
        job["environment"]["TEMPORAL_ADDRESS"]
        == services["worker"]["environment"]["TEMPORAL_ADDRESS"]
    )


def test_temporal_reads_the_mounted_dynamic_config(services: dict[str, Any]) -> None:
    temporal = services["temporal"]
    path = temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    targets = [v["target"] for v in temporal["volumes"]]
    assert f"/etc/temporal/{path}" in targets
    config = yaml.safe_load((REPO / "deploy/temporal/dynamicconfig.yaml").read_text())
    assert all(isinstance(v, list) and "value" in v[0] for v in config.values())


def test_collector_receives_traces_and_scrapes_every_worker(services: dict[str, Any]) -> None:
    config = yaml.safe_load((REPO / "deploy/otel-collector.yaml").read_text())
    endpoint = services["worker"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert endpoint == "http://otel-collector:4318"
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    [scrape] = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    [dns] = scrape["dns_sd_configs"]
    assert dns["names"] == ["worker"]
    assert str(dns["port"]) == services["worker"]["environment"]["LIFECYCLE_METRICS_PORT"]
    pipelines = config["service"]["pipelines"]
    for pipeline in pipelines.values():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline[kind]:
                assert component in config[kind], f"{component} is not configured"
    assert "otlp/jaeger" in pipelines["traces"]["exporters"]
    assert config["exporters"]["otlp/jaeger"]["endpoint"].split(":")[0] in services


def test_ui_decodes_through_the_codec_server(services: dict[str, Any]) -> None:
    ui = services["temporal-ui"]
    codec = services["codec-server"]
    endpoint = ui["environment"]["TEMPORAL_CODEC_ENDPOINT"]
    assert endpoint.endswith("http://localhost:8089}")
    assert "127.0.0.1:8089:8089" in codec["ports"]
    assert ui["ports"] == ["127.0.0.1:${TEMPORAL_UI_PORT:-8080}:8080"]
    assert codec["environment"]["LIFECYCLE_CODEC_CORS_ORIGINS"].endswith("http://localhost:8080}")
