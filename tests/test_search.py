"""Search: a Pagefind index per language and quarter (shards), built from the articles, and a search box."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

from digest.build import Builder, build
from digest.search import indexed_shards

from helpers import BASE_CONFIG, Site, article, fragments, search_index

SEARCH_CONFIG = BASE_CONFIG.replace("search: false", "search: true")


def preview_build(site: Site) -> str:
    """An edit build as `digest serve` makes it (its own builder: edits go into the recent shard), here
    into output/ to look at; the kind of build it was."""
    return Builder(site.root / "config.yaml", workers=1, persistent=True, recent_search=True).build().kind


def searchable_site(make_site):
    return make_site({
        "fr/2024/glacier.md": article("Le glacier recule", body="Le glacier de la Combe Blanche fond vite."),
        "en/2024/glacier.md": article("The glacier retreats", body="The Combe Blanche glacier melts fast."),
        "ar/2024/glacier.md": article("تراجع النهر الجليدي", body="النهر الجليدي يذوب بسرعة."),
    }, config=SEARCH_CONFIG)


def indexed_pages(output) -> dict[str, int]:
    """Language -> how many pages its shards hold, from each shard's own Pagefind entry file."""
    counts: dict[str, int] = {}
    for lang, bundle in indexed_shards(output):
        entry = json.loads((bundle / "pagefind-entry.json").read_text())
        assert list(entry["languages"]) == [lang], f"{bundle.name} holds another language"
        counts[lang] = counts.get(lang, 0) + entry["languages"][lang]["page_count"]
    return counts


def test_build_indexes_articles_per_language(make_site):
    site = searchable_site(make_site)
    site.build_ok()
    # only articles are search results: lists and archives are not
    assert indexed_pages(site.output) == {"ar": 1, "en": 1, "fr": 1}
    shards = json.loads((site.output / "pagefind/shards.json").read_text())
    assert {lang: [s["bundle"] for s in items] for lang, items in shards["languages"].items()} == \
        {"ar": ["ar-2024-q3"], "en": ["en-2024-q3"], "fr": ["fr-2024-q3"]}
    assert (site.output / "pagefind/fr-2024-q3/pagefind.js").is_file()
    home = site.page("fr/")
    box = home.xpath("//form[@role='search']")[0]
    assert box.get("data-search-base") == "/sub/"
    assert home.xpath("//script/@src") == ["/sub/assets/search.js"]


def test_search_index_is_reproducible(make_site, tmp_path):
    site = searchable_site(make_site)
    site.build_ok()
    first = site.files()
    site.build_ok()
    assert site.files() == first


def test_search_false_writes_no_index_and_no_script(make_site):
    site = make_site({"fr/2024/a.md": article("A")})  # BASE_CONFIG has search: false
    site.build_ok()
    assert not (site.output / "pagefind").exists()
    assert site.page("fr/").xpath("//form[@role='search']") == []
    assert site.page("fr/").xpath("//script[@src]") == []


def test_missing_pagefind_binary_is_a_clear_error(make_site):
    site = searchable_site(make_site)
    site.build_ok()
    before = site.files()
    # run digest as if pagefind-bin were not installed
    code = ("import sys; sys.modules['pagefind_bin'] = None; from digest.cli import main; "
            f"main(['build', '--config', {str(site.root / 'config.yaml')!r}])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "search: search is on but the pagefind binary is missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert site.files() == before


def indexed_records(bundle) -> dict[str, dict]:
    """URL -> the record (url, content, meta) of each page a shard holds, read from its fragments."""
    records = {}
    for fragment in sorted((bundle / "fragment").iterdir()):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd"):])
        records[record["url"]] = record
    return records


def inodes(folder) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_an_edit_goes_into_a_recent_shard_that_supersedes_the_quarters_record(make_site):
    site = make_site({
        "fr/2023/ancien.md": article("Un ancien article", date="2023-11-20T08:00:00+01:00", body="Texte ancien."),
        "fr/2024/glacier.md": article("Le glacier recule", body="Le glacier de la Combe Blanche fond vite."),
        "fr/2024/lac.md": article("Le lac déborde", body="Le lac Léman monte."),
        "en/2024/glacier.md": article("The glacier retreats", body="The Combe Blanche glacier melts fast."),
    }, config=SEARCH_CONFIG)
    site.build_ok()
    shards = json.loads((site.output / "pagefind/shards.json").read_text())["languages"]
    assert [s["bundle"] for s in shards["fr"]] == ["fr-2024-q3", "fr-2023-q4"]  # newest first
    record = indexed_records(site.output / "pagefind/fr-2024-q3")["/fr/2024/07/glacier/"]
    assert record["meta"]["title"] == "Le glacier recule"
    assert "Combe Blanche fond vite" in record["content"]
    names = ("fr-2023-q4", "fr-2024-q3", "en-2024-q3")
    before = {name: inodes(site.output / "pagefind" / name) for name in names}
    old_id = next(fragment for fragment, record in fragments(site.output / "pagefind/fr-2024-q3").items()
                  if record["url"] == "/fr/2024/07/glacier/")

    site.write("content/fr/2024/glacier.md", article("Le glacier fond", body="La Combe Blanche perd dix mètres."))
    assert preview_build(site) == "edit"
    # no quarter is indexed again: the very same files
    assert {name: inodes(site.output / "pagefind" / name) for name in names} == before
    shards = json.loads((site.output / "pagefind/shards.json").read_text())["languages"]
    assert shards["fr"] == [{"bundle": "fr-recent"},
                            {"bundle": "fr-2024-q3", "superseded": {old_id: "/fr/2024/07/glacier/"}},
                            {"bundle": "fr-2023-q4"}]
    assert shards["en"] == [{"bundle": "en-2024-q3"}]
    assert list(indexed_records(site.output / "pagefind/fr-recent")) == ["/fr/2024/07/glacier/"]
    found = search_index(site.output)["fr"]  # (fails on a URL found twice)
    assert sorted(found) == ["/fr/2023/11/ancien/", "/fr/2024/07/glacier/", "/fr/2024/07/lac/"]
    assert found["/fr/2024/07/glacier/"]["title"] == "Le glacier fond"
    assert "perd dix mètres" in found["/fr/2024/07/glacier/"]["content"]
    assert "fond vite" not in json.dumps(search_index(site.output), ensure_ascii=False)

    # a second edit, of another article: both in the recent shard
    site.write("content/fr/2024/lac.md", article("Le lac déborde", body="Le lac Léman inonde Genève."))
    assert preview_build(site) == "edit"
    assert sorted(indexed_records(site.output / "pagefind/fr-recent")) == ["/fr/2024/07/glacier/",
                                                                           "/fr/2024/07/lac/"]
    # the first one edited back as the quarter holds it: the quarter's record is current again
    site.write("content/fr/2024/glacier.md",
               article("Le glacier recule", body="Le glacier de la Combe Blanche fond vite."))
    assert preview_build(site) == "edit"
    assert list(indexed_records(site.output / "pagefind/fr-recent")) == ["/fr/2024/07/lac/"]
    found = search_index(site.output)["fr"]
    assert found["/fr/2024/07/glacier/"]["title"] == "Le glacier recule"
    assert "inonde Genève" in found["/fr/2024/07/lac/"]["content"]

    # a full build (an article added) compacts: quarters indexed again, no recent shard
    site.write("content/fr/2024/neuf.md", article("Un nouvel article", body="Neuf."))
    site.build_ok()
    shards = json.loads((site.output / "pagefind/shards.json").read_text())["languages"]
    assert shards["fr"] == [{"bundle": "fr-2024-q3"}, {"bundle": "fr-2023-q4"}]
    assert not (site.output / "pagefind/fr-recent").exists()
    assert "inonde Genève" in indexed_records(site.output / "pagefind/fr-2024-q3")["/fr/2024/07/lac/"]["content"]


def test_edit_builds_index_the_same_bytes_each_time(tmp_path):
    """The same sequence of builds, run twice from scratch: the same index, byte for byte."""
    from helpers import tree

    def run_sequence(name: str) -> dict[str, bytes]:
        site = Site(tmp_path / name)
        site.write("config.yaml", SEARCH_CONFIG)
        site.write("content/fr/2024/glacier.md", article("Le glacier recule", body="La glace fond vite."))
        site.write("content/fr/2024/lac.md", article("Le lac déborde", body="Le lac Léman monte."))
        site.build_ok()
        site.write("content/fr/2024/lac.md", article("Le lac déborde", body="Le lac Léman inonde Genève."))
        assert preview_build(site) == "edit"
        site.write("content/fr/2024/glacier.md", article("Le glacier fond", body="La glace perd dix mètres."))
        assert preview_build(site) == "edit"
        return tree(site.output / "pagefind")

    first = run_sequence("one")
    assert "fr-recent/pagefind-entry.json" in first
    assert run_sequence("two") == first


def test_a_recent_shard_past_its_limit_is_compacted_by_the_edit_build(make_site, monkeypatch):
    import digest.build

    monkeypatch.setattr(digest.build, "RECENT_LIMIT", 1)
    site = make_site({
        "fr/2024/glacier.md": article("Le glacier recule", body="La glace fond vite."),
        "fr/2024/lac.md": article("Le lac déborde", body="Le lac Léman monte."),
    }, config=SEARCH_CONFIG)
    site.build_ok()
    site.write("content/fr/2024/lac.md", article("Le lac déborde", body="Le lac Léman inonde Genève."))
    assert preview_build(site) == "edit"
    assert (site.output / "pagefind/fr-recent").is_dir()
    site.write("content/fr/2024/glacier.md", article("Le glacier fond", body="La glace perd dix mètres."))
    assert preview_build(site) == "edit"
    assert not (site.output / "pagefind/fr-recent").exists()
    shards = json.loads((site.output / "pagefind/shards.json").read_text())["languages"]
    assert shards["fr"] == [{"bundle": "fr-2024-q3"}]
    records = indexed_records(site.output / "pagefind/fr-2024-q3")
    assert records["/fr/2024/07/glacier/"]["meta"]["title"] == "Le glacier fond"
    assert "inonde Genève" in records["/fr/2024/07/lac/"]["content"]


def test_digest_build_after_an_edit_writes_the_index_of_a_clean_build_byte_for_byte(make_site, tmp_path):
    """`digest build` re-indexes the edited article's quarter from its kept records: output/, its
    pagefind/ included, is what a clean build writes, file for file (no recent shard)."""
    import shutil

    from helpers import tree

    site = make_site({
        "fr/2023/ancien.md": article("Un ancien article", date="2023-11-20T08:00:00+01:00", body="Texte ancien."),
        "fr/2024/glacier.md": article("Le glacier recule", body="La glace fond vite."),
        "fr/2024/lac.md": article("Le lac déborde", body="Le lac Léman monte."),
    }, config=SEARCH_CONFIG)
    site.build_ok()
    untouched = inodes(site.output / "pagefind/fr-2023-q4")
    site.write("content/fr/2024/lac.md", article("Le lac déborde", body="Le lac Léman inonde Genève."))
    assert build(site.root / "config.yaml", workers=1).kind == "edit"
    assert not (site.output / "pagefind/fr-recent").exists()
    assert inodes(site.output / "pagefind/fr-2023-q4") == untouched  # only the edited quarter indexed again
    clean = tmp_path / "clean"
    shutil.copytree(site.root, clean, ignore=shutil.ignore_patterns("output", ".*"))
    assert build(clean / "config.yaml", workers=1).kind == "full"
    assert tree(site.output / "pagefind") == tree(clean / "output/pagefind")
    assert tree(site.output) == tree(clean / "output")


def test_edit_builds_keep_the_spare_trees_unchanged_shards_and_write_what_a_clean_build_writes(make_site, tmp_path):
    """The tree an edit build stages is the site before last (the spare): its shards that output/ holds
    alike stay where they are (their folders kept, not linked again file by file); the others are
    replaced. Edits alternating between two quarters, each build equal to a clean build."""
    import os
    import shutil

    from helpers import tree

    site = make_site({
        "fr/2023/ancien.md": article("Un ancien article", date="2023-11-20T08:00:00+01:00", body="Texte ancien."),
        "fr/2024/glacier.md": article("Le glacier recule", date="2024-02-10T08:00:00+01:00", body="La glace fond."),
        "fr/2024/lac.md": article("Le lac déborde", body="Le lac Léman monte."),
    }, config=SEARCH_CONFIG)
    site.build_ok()
    edits = [("fr/2024/glacier.md", article("Le glacier recule", date="2024-02-10T08:00:00+01:00", body=body))
             if n % 2 else ("fr/2024/lac.md", article("Le lac déborde", body=body))
             for n, body in enumerate(["Le lac inonde Genève.", "La glace fond vite.", "Le lac baisse enfin.",
                                       "La glace résiste."])]
    kept_folder = []
    for number, (file, text) in enumerate(edits):
        site.write(f"content/{file}", text)
        assert build(site.root / "config.yaml", workers=1).kind == "edit"
        kept_folder.append(os.stat(site.output / "pagefind/fr-2023-q4").st_ino)
        clean = tmp_path / f"clean-{number}"
        shutil.copytree(site.root, clean, ignore=shutil.ignore_patterns("output", ".*"))
        assert build(clean / "config.yaml", workers=1).kind == "full"
        assert tree(site.output) == tree(clean / "output"), f"edit {number}"
    # output/ alternates between two trees; the quarter no edit touched keeps its folder in each.
    assert kept_folder[2] == kept_folder[0] and kept_folder[3] == kept_folder[1]
    texts = {url: record["content"] for url, record in search_index(site.output)["fr"].items()}
    assert [url for url, text in texts.items() if "baisse" in text] == ["/fr/2024/07/lac/"]
    assert not any("inonde" in text or "fond vite" in text for text in texts.values())


def test_a_record_pagefind_refuses_while_others_are_still_sent_is_an_error_not_a_thread_traceback(tmp_path):
    """Pagefind answers a bad record at once, while the rest are still being written to it: the build
    stops with its one-line error, and the thread writing them ends quietly (no traceback on stderr)."""
    import threading
    import time

    import pytest

    from digest.errors import SiteError
    from digest.search import index_records

    uncaught: list[BaseException | None] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: uncaught.append(args.exc_value)
    try:
        records = [{"not": "a record"}] + [{"url": f"/fr/{n}/", "content": f"Le glacier {n} recule.",
                                            "language": "fr", "meta": {"title": f"Article {n}"}}
                                           for n in range(100_000)]
        with pytest.raises(SiteError, match="pagefind failed"):
            index_records(records, tmp_path / "shard")
        deadline = time.monotonic() + 10
        while any(t.name == "digest-pagefind-send" for t in threading.enumerate()) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        threading.excepthook = previous
    assert uncaught == []


def test_records_hold_the_text_a_reader_sees_not_markup(make_site):
    site = make_site({"fr/2024/a.md": article(
        "Titre", tags="[Climat]", section="Sciences", image="{src: https://example.org/p.jpg, caption: La légende}",
        body="Un *mot* & [un lien](https://example.org/).\n\n| a | b |\n|---|---|\n| 1 | 2 |")},
        config=SEARCH_CONFIG)
    site.build_ok()
    content = indexed_records(site.output / "pagefind/fr-2024-q3")["/fr/2024/07/a/"]["content"]
    for seen in ("Titre", "Sciences", "Un mot & un lien.", "La légende", "Climat"):
        assert seen in content
    assert "<" not in content and "&amp;" not in content


def test_a_quarter_without_articles_loses_its_shard(make_site):
    site = make_site({"fr/2023/a.md": article("Ancien", date="2023-03-01T08:00:00+01:00"),
                      "fr/2024/b.md": article("Récent")}, config=SEARCH_CONFIG)
    site.build_ok()
    assert (site.output / "pagefind/fr-2023-q1").is_dir()
    (site.root / "content/fr/2023/a.md").unlink()
    site.build_ok()
    assert not (site.output / "pagefind/fr-2023-q1").exists()
    assert [s["bundle"] for s in json.loads((site.output / "pagefind/shards.json").read_text())["languages"]["fr"]] \
        == ["fr-2024-q3"]


def test_a_serve_edit_indexes_the_edited_word_after_its_page_and_ends_equal_to_a_clean_build(make_site):
    """serve swaps the edited page in first and re-indexes its shard in the background (still holding the
    build lock): once that step is done, the index holds the edited word and the folder is a clean build."""
    from digest.build import Builder

    from helpers import run_in, site_tree

    site = searchable_site(make_site)
    site.build_ok()
    folder = site.root / ".digest-cache" / "serve"
    server = Builder(site.root / "config.yaml", output_dir=folder, persistent=True, trust_own_output=True,
                     borrow_from=site.output, defer_search=True)
    server.build()
    path = site.write("content/fr/2024/glacier.md",
                      article("Le glacier recule", body="Le glacier de la Combe Blanche fond vite. Moraine."))
    assert server.build(changed=[str(path)]).kind == "edit"
    assert "Moraine." in (folder / "fr/2024/07/glacier/index.html").read_text(encoding="utf-8")
    server.wait_for_search()
    assert server.search_error is None
    records = search_index(folder)["fr"]
    assert ["Moraine" in record["content"] for record in records.values()] == [True]
    # a second edit waits for nothing left over, and a build after it is an edit build again
    path = site.write("content/fr/2024/glacier.md",
                      article("Le glacier recule", body="Le glacier de la Combe Blanche fond vite. Sérac."))
    assert server.build(changed=[str(path)]).kind == "edit"
    server.wait_for_search()
    records = search_index(folder)["fr"]
    assert ["Sérac" in r["content"] and "Moraine" not in r["content"] for r in records.values()] == [True]
    assert not list(folder.parent.glob("search-pending-*"))
    clean = site.root.parent / "clean"
    assert run_in(site.root, "build", "--output", str(clean)).exit_code == 0
    assert site_tree(folder, found=True) == site_tree(clean, found=True)


def test_a_serve_killed_between_its_page_swap_and_its_search_step_is_repaired_by_the_next_build(make_site):
    """The mark left when the search step never ran makes the next build index the shard again."""
    from digest.build import Builder

    from helpers import run_in, site_tree

    class Killed(Builder):
        def _finish_search(self, step, lock) -> None:
            lock.close()  # as if the process died before the step: the lock goes with it

    site = searchable_site(make_site)
    site.build_ok()
    folder = site.root / ".digest-cache" / "serve"
    options = {"output_dir": folder, "persistent": True, "trust_own_output": True, "borrow_from": site.output}
    server = Killed(site.root / "config.yaml", defer_search=True, **options)
    server.build()
    path = site.write("content/fr/2024/glacier.md",
                      article("Le glacier recule", body="Le glacier de la Combe Blanche fond vite. Moraine."))
    assert server.build(changed=[str(path)]).kind == "edit"
    server.wait_for_search()
    assert "Moraine" not in str(search_index(folder))  # the step never ran
    again = Builder(site.root / "config.yaml", defer_search=True, **options)
    assert again.build().kind == "full"
    again.wait_for_search()
    assert "Moraine" in str(search_index(folder))
    clean = site.root.parent / "clean"
    assert run_in(site.root, "build", "--output", str(clean)).exit_code == 0
    assert site_tree(folder, found=True) == site_tree(clean, found=True)


def test_an_edit_build_keeps_the_records_another_output_folder_still_holds(make_site):
    """serve's folder and output/ share the kept records: `digest build` re-indexing a quarter after an
    edit prunes that quarter's older records, but not the version serve's folder holds (its next edit
    re-indexes from them)."""
    from digest.build import record_store
    from digest.config import load_config
    from digest.search import load_state
    from digest.state import BuildState

    site = searchable_site(make_site)
    site.build_ok()
    folder = site.root / ".digest-cache" / "serve"
    Builder(site.root / "config.yaml", output_dir=folder, persistent=True, trust_own_output=True,
            borrow_from=site.output).build()
    serve_config = load_config(site.root / "config.yaml", output_dir=folder)
    held_by_serve = load_state(BuildState(serve_config).record("search"))["fr-2024-q3"]
    store = record_store(BuildState(load_config(site.root / "config.yaml")))
    assert store.has("fr-2024-q3", held_by_serve)

    site.write("content/fr/2024/glacier.md", article("Le glacier recule", body="Le glacier fond. Moraine."))
    site.build_ok()
    held_by_output = load_state(BuildState(load_config(site.root / "config.yaml")).record("search"))["fr-2024-q3"]
    assert held_by_output != held_by_serve
    assert store.has("fr-2024-q3", held_by_output)
    assert store.has("fr-2024-q3", held_by_serve), "the records serve's folder holds were pruned"


def test_shards_are_indexed_one_at_a_time_while_pages_render_then_on_every_core():
    """A cold build indexes one shard at a time beside the render workers, and once the pages are
    written (Slots.widen), as many as there are cores: no core idles while one Pagefind finishes alone."""
    import threading

    from digest.search import Slots

    slots = Slots(1, 2)
    first = slots.taken()
    first.__enter__()
    second_in = threading.Event()

    def second() -> None:
        with slots.taken():
            second_in.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not second_in.wait(0.3), "a second shard was indexed while the pages were being rendered"
    slots.widen()
    assert second_in.wait(5), "the pages are written and a shard still waits for the first"
    thread.join()
    first.__exit__(None, None, None)
    assert slots.busy == 0
