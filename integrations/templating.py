"""Jinja2 environments for what people read (the HTML report, notification texts).

Each packaged template can be replaced by a file of the same name in the operator's
directory (policy `templates.directory`), looked up first. HTML templates autoescape: a
display name or a group name from HR or Okta is data, never markup. Undefined names are
errors, so a typo in an operator's template is found when it renders, not silently empty.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)


def template_environment(packaged: Path, override: Path | None = None) -> Environment:
    loaders = [FileSystemLoader(str(override))] if override is not None else []
    loaders.append(FileSystemLoader(str(packaged)))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def overridden(env: Environment, name: str) -> bool:
    """Whether the operator's directory (the first loader) holds `name`."""
    loader = env.loader
    if not isinstance(loader, ChoiceLoader) or len(loader.loaders) < 2:
        return False
    return name in loader.loaders[0].list_templates()
