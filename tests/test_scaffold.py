"""`digest init` creates a site that builds; `digest new` writes articles and never overwrites."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from click.testing import CliRunner

from digest.cli import main

from helpers import Site


def run(*args: str, cwd: Path):
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(previous)


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def test_init_creates_a_site_that_builds_in_every_language(tmp_path: Path):
    result = run("init", "news", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    site = Site(tmp_path / "news")
    assert (site.root / "config.yaml").is_file() and (site.root / "templates").is_dir()
    site.build_ok()
    for lang in ("en", "fr", "ar"):
        page = site.page(f"{lang}/2024/07/welcome/")
        assert page.get("lang") == lang
        assert len(page.xpath("//head/link[@hreflang]")) == 4  # en, fr, ar and x-default


def test_init_refuses_an_existing_site(tmp_path: Path):
    assert run("init", "news", cwd=tmp_path).exit_code == 0
    before = (tmp_path / "news/config.yaml").read_bytes()
    result = run("init", "news", cwd=tmp_path)
    assert result.exit_code == 1
    assert "already holds a site" in result.output
    assert (tmp_path / "news/config.yaml").read_bytes() == before


def test_new_writes_front_matter_that_builds(tmp_path: Path):
    run("init", "news", cwd=tmp_path)
    root = tmp_path / "news"
    result = run("new", "Irak : la base d'Ain al-Asad « visée »", "--lang", "fr", "--tags", "Irak, États-Unis",
                 cwd=root)
    assert result.exit_code == 0, result.output
    path = root / result.output.strip()
    assert path.parent.parent.name == "fr" and path.parent.name.isdigit() and len(path.parent.name) == 4
    assert path.name == "irak-la-base-d-ain-al-asad-visee.md"
    meta = front_matter(path)
    assert meta["title"] == "Irak : la base d'Ain al-Asad « visée »"
    assert meta["tags"] == ["Irak", "États-Unis"]
    assert meta["date"].tzinfo is not None
    text = path.read_text(encoding="utf-8")
    for commented in ("# source:", "# image:", "# section:", "# related:", "# summary:"):
        assert commented in text
    site = Site(root)
    site.build_ok()
    year, month = f"{meta['date']:%Y}", f"{meta['date']:%m}"
    page = site.page(f"fr/{year}/{month}/irak-la-base-d-ain-al-asad-visee/")
    assert page.xpath("//h1/text()") == ["Irak : la base d'Ain al-Asad « visée »"]


def test_new_refuses_to_overwrite_and_unknown_language(tmp_path: Path):
    run("init", "news", cwd=tmp_path)
    root = tmp_path / "news"
    first = run("new", "Same title", "--lang", "en", cwd=root)
    path = root / first.output.strip()
    path.write_text(path.read_text() + "\nEdited.\n")
    edited = path.read_bytes()
    again = run("new", "Same title", "--lang", "en", cwd=root)
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert path.read_bytes() == edited
    unknown = run("new", "Title", "--lang", "de", cwd=root)
    assert unknown.exit_code == 1
    assert "unknown language 'de'" in unknown.output
    assert run("new", "--lang", "en", cwd=root).exit_code == 2  # usage error: no title


def test_new_translation_pairs_with_its_original(tmp_path: Path):
    run("init", "news", cwd=tmp_path)
    root = tmp_path / "news"
    original = run("new", "Drones visent une base", "--lang", "fr", cwd=root).output.strip()
    result = run("new", "Drones target a base", "--lang", "en", "--translation-of", original, cwd=root)
    assert result.exit_code == 0, result.output
    translation = root / result.output.strip()
    assert translation.name == "drones-target-a-base.md"
    assert front_matter(translation)["date"] == front_matter(root / original)["date"]
    site = Site(root)
    site.build_ok()
    date = front_matter(root / original)["date"]
    page = site.page(f"en/{date:%Y}/{date:%m}/drones-target-a-base/")
    assert page.xpath("//head/link[@hreflang='fr']/@href") == [
        f"https://example.org/fr/{date:%Y}/{date:%m}/drones-visent-une-base/"]
