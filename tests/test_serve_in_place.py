"""`digest serve`'s edit builds: the pages that show an edit are written straight into the preview
folder (the article's own page first), and then its search shard, never into output/, and a preview
killed at any moment is followed by a serve whose folder equals a clean build."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from digest.build import Builder
from digest.config import load_config
from digest.serve import preview_builder, preview_dir

from helpers import BASE_CONFIG, Site, article, site_tree, tree_hashes

KILLS = int(os.environ.get("DIGEST_SERVE_KILLS", "6"))


def preview(site: Site) -> Builder:
    """The Builder `digest serve` keeps, as it makes it (one process: the tests' threads run)."""
    config = site.root / "config.yaml"
    builder = preview_builder(config, load_config(config))
    builder.workers = 1
    return builder


def clean_build(site: Site) -> dict[str, bytes]:
    """What a clean `digest build` of the site's inputs holds (search compared by what it finds)."""
    clean = site.root.parent / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    Builder(site.root / "config.yaml", output_dir=clean).build()
    return site_tree(clean, found=True)


def page(folder: Path) -> Path:
    return folder / "fr/2024/07/a/index.html"


@pytest.fixture(params=[False, True], ids=["search-off", "search-on"])
def served(request: pytest.FixtureRequest, make_site: Callable[..., Site]) -> Site:
    config = BASE_CONFIG.replace("search: false", f"search: {str(request.param).lower()}")
    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00", tags="[Irak]"),
                      "en/a.md": article("An article")}, config=config)
    site.build_ok()
    return site


def test_an_edit_is_written_into_the_preview_folder_and_output_keeps_its_bytes(served: Site) -> None:
    site = served
    output_before = tree_hashes(site.output)
    server = preview(site)
    folder = preview_dir(load_config(site.root / "config.yaml"))
    assert server.build().kind == "unchanged"  # output/ taken over: hard links to its files
    assert page(folder).stat().st_ino == page(site.output).stat().st_ino
    folder_before = os.stat(folder).st_ino

    path = site.write("content/fr/2024/a.md", article("Un article relu", tags="[Irak]", body="Corrigé."))
    result = server.build(changed=[str(path)])
    assert result.kind == "edit" and result.written > 0
    # The page in place at once, in the folder being served (no staged copy swapped in for it) ...
    assert "Un article relu" in page(folder).read_text(encoding="utf-8")
    # ... as a new file: the hard link output/ holds keeps the old bytes.
    assert page(folder).stat().st_ino != page(site.output).stat().st_ino
    server.wait_for_search()
    assert server.search_error is None
    # The search index too is updated in place (its edited shards exchanged): the folder is never swapped.
    assert os.stat(folder).st_ino == folder_before
    assert tree_hashes(site.output) == output_before
    assert "Un article relu" not in page(site.output).read_text(encoding="utf-8")
    assert site_tree(folder, found=True) == clean_build(site)

    # A restarted serve trusts what the last one recorded: nothing to do, and still the right site.
    assert preview(site).build().kind == "unchanged"
    # A page changed behind its back (as a preview killed while writing leaves one) is not trusted.
    page(folder).write_text("damaged", encoding="utf-8")
    assert preview(site).build().kind != "unchanged"
    assert site_tree(folder, found=True) == clean_build(site)


def test_several_edits_in_a_row_each_show_at_once_and_end_as_a_clean_build(served: Site) -> None:
    site = served
    server = preview(site)
    folder = preview_dir(load_config(site.root / "config.yaml"))
    server.build()
    for number in range(4):
        title = f"Version {number}"
        path = site.write("content/fr/2024/a.md", article(title, tags="[Irak]"))
        assert server.build(changed=[str(path)]).kind == "edit"
        assert title in page(folder).read_text(encoding="utf-8")
        tag_page = folder / "fr/tags/irak/index.html"
        assert title in tag_page.read_text(encoding="utf-8")  # the lists that show its card too
    server.wait_for_search()
    assert site_tree(folder, found=True) == clean_build(site)


# A preview that edits one article again and again, as an editor saving it while serve runs.
EDITING = """
import sys, time
from pathlib import Path
from digest.config import load_config
from digest.serve import preview_builder
config = Path(sys.argv[1])
builder = preview_builder(config, load_config(config))
builder.workers = 1
builder.build()
print("ready", flush=True)
source = config.parent / "content/fr/2024/a.md"
number = 0
while True:
    number += 1
    text = source.read_text(encoding="utf-8")
    scratch = source.with_name(".a.md.tmp")  # (the article saved whole: a kill never leaves half of it)
    scratch.write_text(text.replace(text.split("\\n")[1], f'title: "Version {number}"'), encoding="utf-8")
    scratch.replace(source)
    builder.build(changed=[str(source)])
    builder.wait_for_search()
"""


def test_a_preview_killed_while_it_writes_is_followed_by_a_right_one(make_site: Callable[..., Site]) -> None:
    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00", tags="[Irak]"),
                      "en/a.md": article("An article")}, config=BASE_CONFIG.replace("search: false", "search: true"))
    site.build_ok()
    output_before = tree_hashes(site.output)
    folder = preview_dir(load_config(site.root / "config.yaml"))
    chance = random.Random(7)
    for _ in range(KILLS):
        process = subprocess.Popen([sys.executable, "-c", EDITING, str(site.root / "config.yaml")],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=site.root)
        try:
            assert process.stdout is not None and process.stdout.readline() == "ready\n", process.stderr
            time.sleep(chance.uniform(0.05, 1.5))  # somewhere in an edit: writing, recording, indexing, swapping
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        restarted = preview(site)
        restarted.build()
        restarted.wait_for_search()
        assert site_tree(folder, found=True) == clean_build(site), "a restarted preview differs from a clean build"
    assert tree_hashes(site.output) == output_before, "a preview wrote output/"


def test_a_recent_shard_past_its_limit_is_compacted_in_place(make_site: Callable[..., Site],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Past RECENT_LIMIT records, serve's search step indexes the quarters again in place and drops
    the recent shard: its folder then holds exactly a clean build's index."""
    import digest.build

    monkeypatch.setattr(digest.build, "RECENT_LIMIT", 1)
    site = make_site({"fr/2024/a.md": article("Un article", tags="[Irak]"),
                      "fr/2024/b.md": article("Un autre", date="2024-07-15T09:00:00+02:00", tags="[Irak]"),
                      "en/a.md": article("An article")}, config=BASE_CONFIG.replace("search: false", "search: true"))
    server = preview(site)
    folder = preview_dir(load_config(site.root / "config.yaml"))
    server.build()
    path = site.write("content/fr/2024/a.md", article("Un article relu", tags="[Irak]"))
    server.build(changed=[str(path)])
    server.wait_for_search()
    assert (folder / "pagefind/fr-recent").is_dir()  # one record: kept in the recent shard
    path = site.write("content/fr/2024/b.md", article("Un autre relu", date="2024-07-15T09:00:00+02:00",
                                                      tags="[Irak]"))
    server.build(changed=[str(path)])
    server.wait_for_search()
    assert server.search_error is None
    assert not (folder / "pagefind/fr-recent").exists()
    clean_build(site)
    assert site_tree(folder) == site_tree(site.root.parent / "clean")  # byte for byte, pagefind/ included
