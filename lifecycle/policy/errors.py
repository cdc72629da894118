"""The one error the policy loader raises: every problem found, each with file:line: key."""

from __future__ import annotations


class PolicyError(Exception):
    """An invalid policy file; `problems` holds one message per problem, in file order.

    Each message reads `config/policy.yaml:42: groups[3].match.department: expected a
    string or list of strings`, so an IT admin can go straight to the line.
    """

    # Every `lifecycle` command that loads the policy ends with this code and one line per
    # problem (starters/cli.py), not a traceback: the reader is fixing a YAML file.
    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid policy:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems
