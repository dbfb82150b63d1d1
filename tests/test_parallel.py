"""A parallel build writes exactly what a single-process build writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lxml import html as lxml_html

from digest.build import build

from helpers import REPO, site_tree, texts, tree


def test_parallel_build_equals_single_process_build(tmp_path: Path):
    site = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "bench/gen_corpus.py"), str(site), "--articles", "300"], check=True)
    parallel = build(site / "config.yaml", output_dir=tmp_path / "parallel", workers=2)
    single = build(site / "config.yaml", output_dir=tmp_path / "single", workers=1)
    assert parallel.files == single.files > 1000
    assert tree(tmp_path / "parallel") == tree(tmp_path / "single")


def test_cached_build_equals_clean_build_after_changes(tmp_path: Path):
    site = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "bench/gen_corpus.py"), str(site), "--articles", "250"], check=True)
    output = site / "output"

    def cached_and_clean_agree(step: str) -> None:
        cached = build(site / "config.yaml", workers=2)  # persistent: reuses .digest-cache/ and output/
        clean = build(site / "config.yaml", output_dir=tmp_path / f"clean-{step}", workers=1, persistent=False)
        assert site_tree(output) == site_tree(tmp_path / f"clean-{step}"), step
        assert cached.files == clean.files

    first = build(site / "config.yaml", workers=2)
    assert first.written == first.files
    cached_and_clean_agree("no-change")
    again = build(site / "config.yaml", workers=2)
    assert again.written == 0  # nothing changed: every file reused

    article = next((site / "content/fr").rglob("story-000003.md"))
    article.write_text(article.read_text().replace('title: "', 'title: "Édité : ', 1))
    cached_and_clean_agree("edit")
    edited = build(site / "config.yaml", workers=2)
    assert edited.written == 0

    next((site / "content/en").rglob("story-000007.md")).unlink()
    cached_and_clean_agree("delete")

    (site / "templates").mkdir()
    (site / "templates/article.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1 class="custom">{{ article.title }}</h1>{% endblock %}')
    cached_and_clean_agree("template")

    config = (site / "config.yaml").read_text()
    (site / "config.yaml").write_text(config.replace("per_page: 10", "per_page: 7"))
    cached_and_clean_agree("config")

    # a file of output/ changed by hand is not reused: the next build restores it
    page = next(output.rglob("story-000001/index.html"))
    page.write_text("tampered")
    cached_and_clean_agree("tampered")


def test_a_build_with_nothing_to_change_leaves_output_alone(tmp_path: Path):
    site = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "bench/gen_corpus.py"), str(site), "--articles", "40"], check=True)
    build(site / "config.yaml", workers=1)
    page = next((site / "output").rglob("story-000001/index.html"))
    inode = page.stat().st_ino
    again = build(site / "config.yaml", workers=1)
    assert again.written == 0
    assert page.stat().st_ino == inode  # not even re-linked: the folder was already right
    (site / "output/stray.txt").write_text("left by hand")
    build(site / "config.yaml", workers=1)
    assert not (site / "output/stray.txt").exists()  # a clean build would not have it
    # also deep down, in a folder that holds only folders
    year = next(p for p in (site / "output/fr").iterdir() if p.name.isdigit())
    (year / "stray").mkdir()
    (year / "stray/notes.txt").write_text("left by hand")
    assert build(site / "config.yaml", workers=1).written == 0
    assert not (year / "stray").exists()
    # and it does not come back from the previous site, when that is updated into the next one
    article = next((site / "content/fr").rglob("story-000002.md"))
    for round in range(3):
        article.write_text(article.read_text() + f"\nAjout {round}.\n")
        build(site / "config.yaml", workers=1)
        assert not (year / "stray").exists()


def test_the_replaced_site_is_kept_and_updated_into_the_next_one(tmp_path: Path):
    """A build keeps the site it replaces (the spare tree) and updates it into the next site: every
    build still equals a clean one, through edits, reverts, hand-edited pages and interruptions."""
    site = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "bench/gen_corpus.py"), str(site), "--articles", "60"], check=True)
    output = site / "output"
    spares = site / ".digest-cache"
    fr = site / "content/fr"
    first, second = next(fr.rglob("story-000003.md")), next(fr.rglob("story-000005.md"))
    original = first.read_text()

    def step(name: str) -> int:
        cached = build(site / "config.yaml", workers=1)
        build(site / "config.yaml", output_dir=tmp_path / name, workers=1, persistent=False)
        assert tree(output) == tree(tmp_path / name), name
        return cached.written

    step("cold")
    cold_folder = (output / "fr").stat().st_ino
    first.write_text(original.replace('tags: ["', 'tags: ["Ajout", "'))
    step("edit-1")  # the cold site is kept as the spare
    assert (output / "fr").stat().st_ino != cold_folder
    assert [p.name for p in spares.glob("spare-*") if p.is_dir()]
    second.write_text(second.read_text().replace('tags: ["', 'tags: ["Autre", "'))
    written = step("edit-2")  # the spare (the cold site) is updated: only pages that differ are touched
    assert (output / "fr").stat().st_ino == cold_folder
    assert 0 < written < 40
    first.write_text(original)
    step("revert")  # the spare now holds pages equal to the reverted ones: kept as they are

    # A page edited by hand in output/ shares its file with the spare tree (hard link): neither copy is trusted.
    shared = next(output.rglob("story-000010/index.html"))
    shared.write_text("tampered")
    second.write_text(second.read_text().replace('tags: ["', 'tags: ["Encore", "'))
    step("tampered")
    shared = next(output.rglob("story-000010/index.html"))
    shared.write_text("tampered again")
    step("tampered-2")

    # An interrupted build leaves a spare tree without its manifest: it is thrown away, not trusted.
    for manifest in spares.glob("spare-*.record"):
        manifest.write_text("{}")
    next(output.rglob("story-000012/index.html")).write_bytes(b"x")
    step("interrupted")


def test_the_article_cache_is_saved_in_shards_and_survives_damage(tmp_path: Path):
    site = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "bench/gen_corpus.py"), str(site), "--articles", "30"], check=True)
    shards = site / ".digest-cache/articles"
    build(site / "config.yaml", workers=1)
    saved = {shard.name: shard.stat().st_mtime_ns for shard in shards.iterdir()}
    assert len(saved) == 16

    edited = next((site / "content/fr").rglob("story-000004.md"))
    # Tags changed too: a full build, which saves the cache.
    edited.write_text(edited.read_text().replace('tags: ["', 'tags: ["Ajout", "') + "\nUn paragraphe de plus.\n")
    build(site / "config.yaml", workers=1)
    rewritten = [shard.name for shard in shards.iterdir() if shard.stat().st_mtime_ns != saved[shard.name]]
    assert len(rewritten) == 1  # only the shard of the edited article

    # A template change re-renders every page from cached bodies; a damaged shard is parsed again.
    (site / "templates").mkdir()
    (site / "templates/article.html").write_text(
        '{% extends "base.html" %}{% block main %}<div class="body">{{ article.body_html|safe }}</div>{% endblock %}')
    next((site / "content/en").rglob("story-000009.md")).unlink()
    (shards / rewritten[0]).write_bytes(b"not a pickle")
    (shards / "03.pickle").unlink()
    build(site / "config.yaml", workers=1)
    build(site / "config.yaml", output_dir=tmp_path / "clean", workers=1, persistent=False)
    assert tree(site / "output") == tree(tmp_path / "clean")
    page = lxml_html.fromstring(next((site / "output/fr").rglob("story-000004/index.html")).read_bytes())
    assert texts(page, "//main//div[@class='body']/p")[-1] == "Un paragraphe de plus."
