"""A short, human-readable summary of a generated company (for `lifecycle dev` output)."""

from __future__ import annotations

from collections import Counter

from simulators.seed.models import Company


def summary_rows(company: Company) -> list[tuple[str, str, int]]:
    """(section, category, count) for every planted case, in reading order."""
    exp = company.expectations
    okta_status = Counter(u.status for u in company.okta_users)
    rows: list[tuple[str, str, int]] = [
        ("BambooHR", "employee records", len(company.employees)),
        ("BambooHR", "current (hired, not terminated)", len(exp.current)),
        ("BambooHR", "department heads", len(exp.department_heads)),
        ("BambooHR", "people managers", len(exp.managers)),
        ("BambooHR", "contractors", len(exp.contractors)),
        ("BambooHR", "interns", len(exp.interns)),
        ("BambooHR", "part-time", len(exp.part_time)),
        ("BambooHR", "past transfers", len(exp.transferred)),
        ("BambooHR", "future hires", len(exp.future_hires)),
        (
            "BambooHR",
            "  starting within 5 business days",
            len(exp.future_hires_within_5_business_days),
        ),
        ("BambooHR", "on leave", len(exp.on_leave)),
        ("BambooHR", "  with a return row", len(exp.leave_with_return_row)),
        ("BambooHR", "  with only a return-date field", len(exp.leave_with_return_field)),
        ("BambooHR", "  ending in termination", len(exp.leave_ending_in_termination)),
        ("BambooHR", "terminated", len(exp.terminated)),
        ("BambooHR", "future-dated terminations", len(exp.future_terminations)),
        ("BambooHR", "rehires", len(exp.rehires)),
        ("Okta", "users", len(company.okta_users)),
        *(("Okta", f"  {status}", count) for status, count in sorted(okta_status.items())),
        ("Okta", "groups", len(company.okta_groups)),
        ("Reconcile", "linked (bambooHrId)", len(exp.linked)),
        ("Reconcile", "match by employeeNumber", len(exp.by_employee_number)),
        ("Reconcile", "email-only match (review)", len(exp.email_only)),
        ("Reconcile", "ambiguous match (review)", len(exp.ambiguous)),
        ("Reconcile", "orphaned accounts", len(exp.orphaned)),
        ("Reconcile", "terminated but active", len(exp.terminated_but_active)),
        ("Reconcile", "missing accounts", len(exp.missing_accounts)),
        ("Reconcile", "started, not yet active", len(exp.pending_activation)),
        ("Reconcile", "on leave, not suspended", len(exp.leave_not_suspended)),
        ("Reconcile", "rehire, account deprovisioned", len(exp.rehire_deprovisioned)),
        ("Reconcile", "misaligned groups", len(exp.misaligned_groups)),
        ("Reconcile", "stale profiles", len(exp.stale_profiles)),
        ("Reconcile", "service accounts", len(exp.service_accounts)),
        ("Reconcile", "protected (IT Break Glass)", len(exp.protected)),
    ]
    return rows


def describe(company: Company) -> str:
    """A plain-text table of `summary_rows`."""
    rows = summary_rows(company)
    width = max(len(category) for _, category, _ in rows)
    lines = [f"Seeded company (seed {company.seed}, as of {company.today.isoformat()})"]
    section = ""
    for name, category, count in rows:
        if name != section:
            lines.append(f"{name}:")
            section = name
        lines.append(f"  {category:<{width}}  {count:>6}")
    return "\n".join(lines)
