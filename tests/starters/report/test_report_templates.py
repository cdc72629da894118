"""The HTML page is a jinja2 template with autoescape: HR and Okta text is data, never markup;
an operator replaces any part of it from the policy's `templates.directory`, and a broken
replacement is a configuration error naming its file and line (exit 2), not a traceback."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from report_company import Reported, run_report

from starters.report.html import to_html
from starters.report.model import CategoryReport, Column, ComplianceReport, ReportRow

HOSTILE = '<script>alert("x")</script>'


def test_hr_and_okta_text_is_escaped() -> None:
    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    report = ComplianceReport(
        generated_at=now,
        as_of=now,
        notes=[f"note {HOSTILE}"],
        categories=[
            CategoryReport(
                id="orphaned-accounts",
                title="Orphaned accounts",
                description="d",
                kind="finding",
                columns=[
                    Column(key="login", label="Login"),
                    Column(key="groups_extra", label="Extra groups"),
                ],
                rows=[ReportRow(login=f"x{HOSTILE}@acme.example", groups_extra=[HOSTILE])],
            )
        ],
    )

    page = to_html(report)

    assert HOSTILE not in page
    # The note, data-login, the login cell and its sort value, the chip and its sort value.
    assert page.count("&lt;script&gt;alert(") == 6
    assert page.count("<script>") == 1  # the page's own sorting script only


def policy_with_templates(tmp_path: Path, files: dict[str, str]) -> Path:
    directory = tmp_path / "brand"
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    policy = tmp_path / "policy.yaml"
    original = Path(os.environ["LIFECYCLE_POLICY"]).read_text()
    policy.write_text(original + "\ntemplates:\n  directory: brand\n")
    return policy


async def test_an_operator_replaces_the_style_and_keeps_the_page(
    reported: Reported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    css = "/* acme brand */ body{background:#f0e6d2}"
    monkeypatch.setenv(
        "LIFECYCLE_POLICY", str(policy_with_templates(tmp_path, {"report.css": css}))
    )
    out = tmp_path / "branded.html"

    code, _, err = await run_report("--format", "html", "--output", str(out))

    assert code == 0, err
    page = out.read_text()
    assert css in page
    assert 'id="count-orphaned"' in page  # the packaged page around it
    assert page == page.replace("border-left:5px solid var(--line)", "")  # packaged CSS gone


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ("<html>\n<body>\n{% for row in %}\n</body>\n", "report.html.j2:3"),  # syntax
        ("<html>\n{{ reprot.title }}\n</html>\n", "'reprot' is undefined"),  # a typo
        ('{% include "brand.css" %}\n', "brand.css"),  # a missing part
    ],
)
async def test_a_broken_operator_page_is_a_configuration_error(
    reported: Reported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str, said: str
) -> None:
    policy = policy_with_templates(tmp_path, {"report.html.j2": page})
    monkeypatch.setenv("LIFECYCLE_POLICY", str(policy))

    code, _, err = await run_report("--format", "html", "--output", str(tmp_path / "x.html"))

    assert code == 2, err
    assert said in err and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_a_missing_template_directory_is_a_policy_error(tmp_path: Path) -> None:
    from lifecycle.policy import PolicyError, load_policy

    policy = tmp_path / "policy.yaml"
    policy.write_text("groups: []\ntemplates:\n  directory: nowhere\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(policy)
    assert caught.value.problems == [
        f"{policy}:3: templates.directory: {tmp_path / 'nowhere'} is not a directory"
    ]
