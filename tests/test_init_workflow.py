"""The GitHub Pages workflow `digest init` writes for a site in its own repository: valid for GitHub,
clean under zizmor, installing the digest that made the site, and deploying what `digest build` makes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_workflow import tool

from digest import DISTRIBUTION, __version__
from digest.scaffold import init_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("own") / "news"
    init_site(root, ["fr", "en"], "La Revue")
    return root


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def with_newsletter(text: str) -> str:
    """The workflow with its optional newsletter job switched on, as the comment tells the user to."""
    head, marker, tail = text.partition("  # newsletter:\n")
    assert marker, "the newsletter job is offered, commented out"
    return head + "\n".join(line.replace("  # ", "  ", 1) if line.startswith("  # ") else line
                            for line in (marker + tail).splitlines()) + "\n"


def zizmor(folder: Path, workflow: Path) -> list[Any]:
    """zizmor as a user runs it in their repository: offline, pedantic, its default policy (no zizmor.yml)."""
    assert not (folder / "zizmor.yml").exists() and not (folder / ".github" / "zizmor.yml").exists()
    result = subprocess.run([tool("zizmor"), "--offline", "--persona", "pedantic", "--format", "json",
                             str(workflow.relative_to(folder))], cwd=folder, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def schema_errors(workflow: Path) -> str:
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                            capture_output=True, text=True, timeout=120)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def test_generated_workflow_passes_zizmor_and_the_github_schema(site: Path) -> None:
    workflow = site / ".github" / "workflows" / "pages.yml"
    assert zizmor(site, workflow) == []
    assert schema_errors(workflow) == ""


def test_with_the_newsletter_job_switched_on_it_still_passes(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / ".github" / "workflows" / "pages.yml"
    copy.parent.mkdir(parents=True)
    copy.write_text(with_newsletter((site / ".github/workflows/pages.yml").read_text(encoding="utf-8")),
                    encoding="utf-8")
    assert zizmor(tmp_path, copy) == []
    assert schema_errors(copy) == ""
    job = load(copy)["jobs"]["newsletter"]
    assert job["needs"] == "deploy" and job["permissions"] == {"contents": "write"}
    send = next(step for step in job["steps"] if "--send" in step.get("run", ""))
    assert send["env"] == {"DIGEST_SMTP_PASSWORD": "${{ secrets.DIGEST_SMTP_PASSWORD }}"}
    assert "for lang in fr en; do" in send["run"] and "TZ=UTC date +%F" in send["run"]


def test_it_installs_the_digest_that_made_the_site(site: Path) -> None:
    requirements = [line for line in (site / "requirements.txt").read_text(encoding="utf-8").splitlines()
                    if line and not line.startswith("#")]
    assert requirements == [f"{DISTRIBUTION}=={__version__}"]
    steps = load(site / ".github/workflows/pages.yml")["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "python -m pip install -r requirements.txt" in runs
    assert not any("make " in run or "pip install -e" in run for run in runs)  # nothing of digest's own repository


def test_it_builds_for_the_pages_url_and_deploys_hourly(site: Path) -> None:
    workflow = load(site / ".github/workflows/pages.yml")
    assert workflow["permissions"] == {}
    minute, *rest = workflow["on"]["schedule"][0]["cron"].split()
    assert rest == ["*", "*", "*", "*"] and 0 <= int(minute) <= 59
    steps = workflow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    pages = next(step for step in steps if step.get("uses", "").startswith("actions/configure-pages@"))
    build = next(step for step in steps if step.get("run", "").startswith("digest build"))
    assert build["run"] == 'digest build --base-url "${PAGES_BASE_URL}/"'
    assert build["env"] == {"PAGES_BASE_URL": f"${{{{ steps.{pages['id']}.outputs.base_url }}}}"}
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"] == {"path": "output"}
    assert steps.index(pages) < steps.index(build) < steps.index(upload)
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    for action in [*uses, *(step["uses"] for step in deploy["steps"])]:
        if action:
            assert re.fullmatch(r"actions/[\w-]+@[0-9a-f]{40}", action), action  # pinned to a commit


def test_cache_is_keyed_on_digest_version_config_and_templates(site: Path) -> None:
    steps = load(site / ".github/workflows/pages.yml")["jobs"]["build"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    settings = cache["with"]
    assert settings["path"].split() == [".digest-cache/", "!.digest-cache/spare-*"]
    prefix = settings["key"].removesuffix("${{ github.run_id }}")
    assert prefix != settings["key"] and settings["restore-keys"].strip() == prefix
    assert "hashFiles('requirements.txt', 'config.yaml', 'templates/**')" in prefix
    names = [step.get("uses", step.get("run", "")) for step in steps]
    assert names.index(cache["uses"]) < next(i for i, name in enumerate(names) if name.startswith("digest build"))
