"""The shipped GitHub Pages workflow: valid, clean under zizmor, and its cache never changes the site."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from helpers import REPO, Site, article

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: str) -> list[dict[str, Any]]:
    return workflow()["jobs"][job]["steps"]


def test_zizmor_finds_nothing_even_pedantic() -> None:
    result = subprocess.run([tool("zizmor"), "--offline", "--persona", "pedantic", "--format", "json",
                             str(WORKFLOW.relative_to(REPO))], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == [], result.stdout


def test_zizmor_policy_allows_only_githubs_actions_on_a_tag(tmp_path: Path) -> None:
    """The policy is what makes the tags acceptable: another owner's action on a tag is still reported."""
    copy = tmp_path / ".github" / "workflows" / "pages.yml"
    copy.parent.mkdir(parents=True)
    copy.write_text(WORKFLOW.read_text(encoding="utf-8").replace("actions/setup-python@v5",
                                                                 "someone/setup-python@v5"), encoding="utf-8")
    shutil.copy(REPO / "zizmor.yml", tmp_path / "zizmor.yml")
    result = subprocess.run([tool("zizmor"), "--offline", "--format", "json", str(copy)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    findings = json.loads(result.stdout)
    assert [finding["ident"] for finding in findings] == ["unpinned-uses"], result.stdout


def test_workflow_validates_against_the_github_workflow_schema() -> None:
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_permissions_only_on_the_job_that_needs_them() -> None:
    data = workflow()
    assert data["permissions"] == {}
    assert data["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_checkout_keeps_no_credentials_and_no_expression_is_expanded_in_a_shell() -> None:
    checkout = [step for step in steps("build") if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert [step["with"]["persist-credentials"] for step in checkout] == [False]
    runs = [step for job in workflow()["jobs"].values() for step in job["steps"] if "run" in step]
    assert runs, "the workflow builds the site in a run step"
    for step in runs:
        assert "${{" not in step["run"], step["run"]
    build = next(step for step in runs if "make build" in step["run"])
    assert '"${PAGES_BASE_URL}/"' in build["run"]
    assert build["env"] == {"PAGES_BASE_URL": "${{ steps.pages.outputs.base_url }}"}


def test_scheduled_every_hour_so_scheduled_articles_appear_within_the_hour() -> None:
    schedule = workflow()["on"]["schedule"]
    assert len(schedule) == 1
    minute, *rest = schedule[0]["cron"].split()
    assert rest == ["*", "*", "*", "*"] and 0 <= int(minute) <= 59
    assert workflow()["on"]["push"] == {"branches": ["main"]}


def test_cache_is_restored_by_prefix_and_saved_under_a_new_key_each_run() -> None:
    cache = [step for step in steps("build") if str(step.get("uses", "")).startswith("actions/cache@")]
    assert len(cache) == 1
    settings = cache[0]["with"]
    assert settings["path"].split() == [".digest-cache/", "!.digest-cache/spare-*"]
    key = settings["key"]
    assert key.endswith("-${{ github.run_id }}")
    prefix = key.removesuffix("${{ github.run_id }}")
    assert settings["restore-keys"].split("\n")[0].strip() == prefix
    assert "pyproject.toml" in prefix and "digest/__init__.py" in prefix  # a new digest version starts afresh
    names = [step.get("uses", step.get("run", "")) for step in steps("build")]
    assert names.index(cache[0]["uses"]) < next(i for i, name in enumerate(names) if "make build" in name)


# --- what the cache may do: make a build faster, never different ---------------------------------------------


ARTICLES = {
    "fr/2024/one.md": article("Premier", tags="[Irak]", translation_key="one"),
    "fr/2024/two.md": article("Deuxième", date="2024-07-15T10:00:00+02:00", related="[one]"),
    "en/one.md": article("First", translation_key="one"),
}


def fresh_checkout(source: Site, target: Path, edits: dict[str, str]) -> Site:
    """The site's files as a new checkout has them: new inodes and times, no output/ and no cache."""
    site = Site(target)
    shutil.copytree(source.root, target, ignore=shutil.ignore_patterns("output", ".digest-cache"))
    for relative, text in edits.items():
        site.write(relative, text)
    return site


def restore_cache(source: Site, site: Site) -> None:
    """What actions/cache restores: .digest-cache/ of an earlier run, without the spare copies."""
    shutil.copytree(source.root / ".digest-cache", site.root / ".digest-cache",
                    ignore=shutil.ignore_patterns("spare-*"))


def test_a_restored_cache_of_an_older_run_gives_the_site_of_a_clean_build(make_site, tmp_path: Path) -> None:
    earlier = make_site(ARTICLES)
    earlier.build_ok()
    edits = {"content/fr/2024/one.md": article("Premier, corrigé", tags="[Irak, Drones]", translation_key="one"),
             "content/fr/2024/three.md": article("Troisième", date="2024-07-17")}
    clean = fresh_checkout(earlier, tmp_path / "clean", edits)
    clean.build_ok()
    cached = fresh_checkout(earlier, tmp_path / "cached", edits)
    restore_cache(earlier, cached)
    cached.build_ok()
    assert cached.files() == clean.files()
    assert clean.page("fr/2024/07/one/").xpath("//h1/text()") == ["Premier, corrigé"]


def test_a_damaged_cache_only_costs_time(make_site, tmp_path: Path) -> None:
    earlier = make_site(ARTICLES)
    earlier.build_ok()
    clean = fresh_checkout(earlier, tmp_path / "clean", {})
    clean.build_ok()
    damaged = fresh_checkout(earlier, tmp_path / "damaged", {})
    restore_cache(earlier, damaged)
    cache_files = [path for path in (damaged.root / ".digest-cache").rglob("*") if path.is_file()]
    assert cache_files
    for number, path in enumerate(cache_files):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if number % 2 else re.sub(rb"[\x00-\x7f]", b"?", data))
    damaged.build_ok()
    assert damaged.files() == clean.files()
