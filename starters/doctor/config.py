"""Settings and the policy: everything else is checked only if these load."""

from __future__ import annotations

from datetime import UTC, datetime

from lifecycle.policy import PolicyConfig, PolicyError, load_policy
from lifecycle.settings import Need, Settings, SettingsError, load_settings
from starters.doctor.findings import Finding, ok, problem, warning

NEEDS: tuple[Need, ...] = ("temporal", "okta", "bamboohr", "webhook", "audit")


def check_settings(findings: list[Finding]) -> Settings | None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        for message in exc.problems:
            findings.append(problem("settings", "variables", message, "fix it in .env"))
        return None
    problems = settings.problems_for(*NEEDS)
    for message in problems:
        findings.append(problem("settings", "variables", message, "fix it in .env"))
    if not problems:
        findings.append(
            ok("settings", "variables", f"complete (mode {settings.effective_mode.value})")
        )
    return settings


def check_policy(settings: Settings, findings: list[Finding]) -> PolicyConfig | None:
    path = settings.lifecycle_policy
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        for message in exc.problems:
            findings.append(problem("policy", "file", message, f"edit {path}"))
        return None
    except OSError as exc:
        findings.append(
            problem("policy", "file", f"{path}: {exc.strerror or exc}", "set LIFECYCLE_POLICY")
        )
        return None
    findings.append(
        ok(
            "policy",
            "file",
            f"{path}: {len(policy.groups)} group rule(s), "
            f"{len(policy.managed_groups)} managed group(s)",
        )
    )
    overlap = sorted(
        {g.lower() for g in policy.protected.groups} & {g.lower() for g in policy.managed_groups}
    )
    if overlap:
        findings.append(
            problem(
                "policy",
                "protected groups",
                f"managed by a group rule too: {', '.join(overlap)} (automation would add and "
                "remove the very membership that protects an account)",
                "remove them from `groups` or from `protected.groups`",
            )
        )
    next_year = datetime.now(UTC).year + 1
    for gap in policy.holiday_calendar_gaps(next_year):
        findings.append(
            warning(
                "policy",
                "holidays",
                gap,
                "upgrade the `holidays` package, or list that year's holidays under "
                "`time.holidays`",
            )
        )
    return policy
