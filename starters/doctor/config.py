"""Settings and the policy: everything else is checked only if these load."""

from __future__ import annotations

from datetime import UTC, datetime

from lifecycle.policy import PolicyConfig, PolicyError, load_policy
from lifecycle.settings import Need, Settings, SettingsError, load_settings
from starters.doctor.findings import Finding, ok, problem, warning

# The settings each checked area needs (the webhook receiver's are checked with BambooHR).
NEEDS: dict[str, tuple[Need, ...]] = {
    "okta": ("okta",),
    "bamboohr": ("bamboohr", "webhook"),
    "temporal": ("temporal",),
    "audit": ("audit",),
}


def check_settings(findings: list[Finding], areas: list[str]) -> Settings | None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        for message in exc.problems:
            findings.append(problem("settings", "variables", message, "fix it in .env"))
        return None
    problems = 0
    for area in areas:
        for message in settings.problems_for(*NEEDS[area]):
            problems += 1
            finding = problem("settings", "variables", message, "fix it in .env")
            findings.append(finding.model_copy(update={"tags": [area]}))
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
