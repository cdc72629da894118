"""The dependency direction of docs/architecture.md, checked on the source: each layer imports
only the layers below it, so a rule has one home and nothing reaches up.

    lifecycle  <-  contracts, integrations  <-  activities  <-  workflows  <-  workers, starters

The simulators stand alone (they follow the vendors' specs, not our code); only the commands
that run them (`lifecycle dev`, `lifecycle sim`) import them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = [
    "lifecycle",
    "contracts",
    "integrations",
    "activities",
    "workflows",
    "workers",
    "starters",
]
TOPS = [*PRODUCT, "simulators", "bench", "tests"]

# What each package may import besides itself (and the standard library / third parties).
ALLOWED: dict[str, set[str]] = {
    "lifecycle": set(),
    "contracts": {"lifecycle"},
    "integrations": {"lifecycle"},
    "activities": {"lifecycle", "contracts", "integrations"},
    "workflows": {"lifecycle", "contracts"},
    "workers": {"lifecycle", "contracts", "integrations", "activities", "workflows"},
    "starters": {*PRODUCT, "simulators"},
    "simulators": {"integrations"},  # only the generic ASGI serving (integrations.serving)
}

# The commands that run the simulators; no other product module imports them.
# (starters/stack.py: the parts `lifecycle dev` runs, for the benchmarks and reliability tests.)
RUNS_SIMULATORS = {
    "starters/dev.py",
    "starters/dev_seed.py",
    "starters/sim.py",
    "starters/stack.py",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(TOPS)


def _violations(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for imported in sorted(_imports(path) - {package}):
            if imported not in ALLOWED[package] or (
                imported == "simulators" and rel not in RUNS_SIMULATORS
            ):
                out.append(f"{rel} imports {imported}")
    return out


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(package: str) -> None:
    assert _violations(package) == []


def test_the_check_sees_an_import_that_points_up(tmp_path: Path) -> None:
    bad = tmp_path / "mod.py"
    bad.write_text("from workflows.employee.workflow import EmployeeWorkflow\nimport json\n")
    assert _imports(bad) == {"workflows"}
