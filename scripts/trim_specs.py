"""Make the trimmed copies of the official OpenAPI specs that the contract tests use.

A user's clone has no ../shared, so the contract tests carry their own copy of the vendor
specs: only the operations this service uses (listed in tests/contracts/*-operations.txt)
and the components they reference, with descriptions and examples stripped.

    python scripts/trim_specs.py --source ../shared/reference

Origins and licences are written into each output file's `info` block.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent.parent
CONTRACTS = HERE / "tests" / "contracts"

SPECS = {
    "okta": {
        "source": "okta-management-openapi.yaml",
        "origin": "okta/okta-management-openapi-spec, "
        "dist/current/management-oneOfInheritance.yaml (release 2026.06.3)",
        "licence": "Apache-2.0",
    },
    "bamboohr": {
        "source": "bamboohr-public-openapi.yaml",
        "origin": "BambooHR/bhr-api-python, specs/public.yaml (generated 2026-04-27)",
        "licence": "MIT",
    },
}

STRIP_KEYS = {"description", "example", "examples", "summary", "externalDocs", "x-codeSamples"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def read_operations(name: str) -> list[tuple[str, str]]:
    ops = []
    for line in (CONTRACTS / f"{name}-operations.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            method, path = line.split(None, 1)
            ops.append((method.lower(), path.strip()))
    return ops


def strip(node: Any, in_properties: bool = False, response_map: bool = False) -> Any:
    """Drop prose; keep schema property *names* even when a property is called 'description'.

    Response objects must keep a `description` (required by OpenAPI); it becomes empty.
    """
    if isinstance(node, dict):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            if not in_properties and (key in STRIP_KEYS or str(key).startswith("x-")):
                continue
            child_in_props = key == "properties" and not in_properties
            child_is_response_map = key == "responses" and not in_properties
            if response_map and isinstance(value, dict):
                child = strip(value)
                if "$ref" not in child:
                    child = {"description": "", **child}
                out[key] = child
            else:
                out[key] = strip(value, child_in_props, child_is_response_map)
        return out
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def refs_in(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value)
            else:
                found |= refs_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs_in(value)
    elif isinstance(node, str) and node.startswith("#/components/"):
        found.add(node)  # discriminator mappings name schemas by plain string
    return found


def resolve(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def trim(name: str, source_dir: Path) -> Path:
    meta = SPECS[name]
    spec = yaml.load((source_dir / meta["source"]).read_text(), Loader=yaml.CSafeLoader)
    out: dict[str, Any] = {
        "openapi": spec["openapi"],
        "info": {
            "title": spec["info"]["title"] + " (trimmed for bamboohr-okta-lifecycle tests)",
            "version": str(spec["info"]["version"]),
            "license": {"name": meta["licence"]},
            "x-origin": meta["origin"],
            "x-trimmed-by": "scripts/trim_specs.py",
        },
        "servers": strip(spec.get("servers", [])),
        "paths": {},
    }
    if "security" in spec:
        out["security"] = spec["security"]
    for method, path in read_operations(name):
        if method == "webhook":
            hooks = out.setdefault("webhooks", {})
            hooks[path] = strip(spec["webhooks"][path])
            continue
        item = spec["paths"].get(path)
        if item is None or method not in item:
            sys.exit(f"{name}: {method.upper()} {path} is not in {meta['source']}")
        target = out["paths"].setdefault(path, {})
        if "parameters" in item:
            target["parameters"] = strip(item["parameters"])
        target[method] = strip(item[method])

    components: dict[str, dict[str, Any]] = {}
    pending = refs_in(out["paths"]) | refs_in(out.get("webhooks", {}))
    for scheme in spec.get("components", {}).get("securitySchemes", {}):
        pending.add(f"#/components/securitySchemes/{scheme}")
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen or not ref.startswith("#/components/"):
            continue
        seen.add(ref)
        _, _, kind, key = ref.split("/", 3)
        value = strip({key: resolve(spec, ref)}, response_map=(kind == "responses"))[key]
        components.setdefault(kind, {})[key] = value
        pending |= refs_in(value)
    out["components"] = {k: dict(sorted(v.items())) for k, v in sorted(components.items())}

    target_file = CONTRACTS / f"{name}-openapi.trimmed.yaml"
    header = (
        f"# Trimmed copy of the official {spec['info']['title']} spec.\n"
        f"# Origin: {meta['origin']}. Licence: {meta['licence']}.\n"
        "# Generated by scripts/trim_specs.py from the operations listed in "
        f"tests/contracts/{name}-operations.txt; do not edit by hand.\n"
    )
    body = yaml.dump(out, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=100)
    target_file.write_text(header + body)
    return target_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=HERE.parent / "shared" / "reference")
    parser.add_argument("specs", nargs="*", default=list(SPECS))
    args = parser.parse_args()
    for name in args.specs:
        path = trim(name, args.source)
        print(f"{name}: wrote {path.relative_to(HERE)} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
