"""YAML → plain data plus the line of every mapping key and sequence item.

PyYAML's `compose` keeps node marks; walking the node tree ourselves records
`path → line` so validation errors can point at `policy.yaml:42`. Two deliberate departures
from PyYAML's YAML 1.1 defaults, because they bite policy files:
- only `true`/`false` are booleans (`no`, `off`, `yes`, `on` stay text: `NO` is Norway);
- `07:00` is text, not the base-60 integer 420, and `0700` is 700, not octal.
Duplicate keys are reported instead of the last one silently winning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from lifecycle.policy.errors import PolicyError

Path = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    pass


_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")

_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    return int(loader.construct_scalar(node), 10)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    return float(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


@dataclass
class LocatedData:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[tuple[Path, int, str]] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def load_located(text: str, source_name: str) -> LocatedData:
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            what = exc.problem or exc.context or "cannot parse"
            raise PolicyError([f"{source_name}:{line}: YAML syntax error: {what}"]) from None
        except yaml.YAMLError as exc:
            raise PolicyError([f"{source_name}:1: YAML error: {exc}"]) from None
        located = LocatedData(data=None)
        if root is None:
            return located
        located.lines[()] = root.start_mark.line + 1
        located.data = _Walker(loader, located).build(root, ())
        return located
    finally:
        loader.dispose()


class _Walker:
    def __init__(self, loader: _Loader, located: LocatedData) -> None:
        self.loader = loader
        self.located = located
        self.stack: set[int] = set()

    def problem(self, path: Path, node: yaml.Node, message: str) -> None:
        self.located.problems.append((path, node.start_mark.line + 1, message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.stack:
            self.problem(path, node, "recursive YAML alias")
            return None
        self.stack.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                items = []
                for index, item in enumerate(node.value):
                    self.located.lines[(*path, index)] = item.start_mark.line + 1
                    items.append(self.build(item, (*path, index)))
                return items
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.problem(path, node, str(exc.problem or exc))
            return None
        finally:
            self.stack.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        self.loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(path, key_node, "keys must be plain text")
                continue
            # Keys stay the text as written: `4001:` and `"4001":` are the same key.
            key = str(key_node.value)
            key_path = (*path, key)
            if key in result:
                self.problem(key_path, key_node, f"duplicate key {key!r}")
                continue
            self.located.lines[key_path] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, key_path)
        return result
