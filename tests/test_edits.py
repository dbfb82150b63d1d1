"""Builds after an edit that keeps every article's outline (digest.delta): they read only the edited
files, write only what shows them, in place, and give exactly a clean build's output. Anything else
takes the full build, and so does anything the saved page graph cannot vouch for."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from digest.blobs import Stored
from digest.build import Builder, BuildResult, build, record_store
from digest.config import load_config
from digest.delta import load_record, plan_edit
from digest.records import build_time
from digest.state import BuildState, Frame, Sources
from digest.theme import default_theme_dir

from helpers import BASE_CONFIG, Site, article, search_index, site_tree

ARTICLES = {
    "fr/2024/ain.md": article("Irak : drones sur Ain al-Asad", tags="[Irak]", translation_key="ain",
                              related="[retrait]", body="Deux drones ont visé la base.\n\nAucun blessé."),
    "fr/2024/retrait.md": article("Retrait des forces", date="2024-07-15T09:00:00+02:00", tags="[Irak]",
                                  translation_key="retrait"),
    "fr/2023/ancien.md": article("Un ancien article", date="2023-12-01T08:00:00+01:00", tags="[Archives]",
                                 body="Texte ancien."),
    "fr/2024/brouillon.md": article("Un brouillon", draft="true", body="Pas encore."),
    "en/ain.md": article("Iraq: drones over Ain al-Asad", translation_key="ain", tags="[Iraq]"),
}


class Edited:
    """A site built once by a persistent Builder (as `digest build` does), then edited and built again."""

    def __init__(self, site: Site, **builder: object) -> None:
        self.site = site
        self.config = site.root / "config.yaml"
        self.builder_options = builder
        self.first = self.build()

    def build(self) -> BuildResult:
        return Builder(self.config, persistent=True, **self.builder_options).build()  # type: ignore[arg-type]

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.site.root / "content" / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def stamps(self) -> dict[str, tuple[int, int]]:
        return {str(path.relative_to(self.site.output)): (path.stat().st_ino, path.stat().st_mtime_ns)
                for path in self.site.output.rglob("*") if path.is_file()}

    def assert_equals_clean_build(self) -> None:
        clean = self.site.root.parent / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        build(self.config, output_dir=clean, persistent=False, workers=1)
        got, want = site_tree(self.site.output), site_tree(clean)
        assert sorted(got) == sorted(want)
        assert [name for name in want if got[name] != want[name]] == []


@pytest.fixture
def edited(make_site) -> Edited:
    return Edited(make_site(ARTICLES))


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def test_a_body_edit_rewrites_the_article_page_and_the_language_feed_only(edited: Edited) -> None:
    before = edited.stamps()
    edited.edit("fr/2024/ain.md", "Aucun blessé.", "Un blessé léger.")  # not the first paragraph: the summary
    result = edited.build()
    assert result.kind == "edit"
    assert rewritten(before, edited.stamps()) == ["fr/2024/07/ain/index.html", "fr/feed.xml"]
    assert "Un blessé léger." in (edited.site.output / "fr/2024/07/ain/index.html").read_text()
    edited.assert_equals_clean_build()


def test_a_title_edit_rewrites_what_shows_its_card(edited: Edited) -> None:
    before = edited.stamps()
    edited.edit("fr/2024/ain.md", "Irak : drones sur Ain al-Asad", "Irak : nouvelle attaque")
    result = edited.build()
    assert result.kind == "edit"
    changed = rewritten(before, edited.stamps())
    # its page, its translation's (the language switcher), lists, its edition, month, feeds...
    for page in ["fr/2024/07/ain/index.html", "en/2024/07/ain/index.html", "fr/index.html",
                 "fr/tags/irak/index.html", "fr/2024/07/16/index.html", "fr/2024/07/index.html", "fr/feed.xml"]:
        assert page in changed
    # ...never the pages of other days, nor the sitemap (its dates and versions did not change)
    for page in ["fr/2023/12/ancien/index.html", "fr/tags/archives/index.html", "sitemap.xml", "robots.txt"]:
        assert page not in changed
    edited.assert_equals_clean_build()


def test_editing_a_draft_writes_nothing(edited: Edited) -> None:
    before = edited.stamps()
    edited.edit("fr/2024/brouillon.md", "Pas encore.", "Toujours pas.")
    result = edited.build()
    assert (result.kind, result.written) == ("edit", 0)
    assert edited.stamps() == before


@pytest.mark.parametrize(("old", "new"), [
    ("date: 2024-07-16T14:30:00+03:00", "date: 2024-07-17T14:30:00+03:00"),  # another day
    ("tags: [Irak]", "tags: [Irak, Syrie]"),  # a new tag page
    ("related: [retrait]", "related: []"),  # "Read also" links
    ("translation_key: ain", "translation_key: ain-bis"),  # no translation any more
])
def test_an_edit_that_changes_the_outline_takes_the_full_build(edited: Edited, old: str, new: str) -> None:
    edited.edit("fr/2024/ain.md", old, new)
    assert edited.build().kind == "full"
    edited.assert_equals_clean_build()
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")  # and the next edit is quick again
    assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()


def test_a_broken_edit_fails_and_touches_nothing_then_the_fix_is_an_edit(edited: Edited) -> None:
    before = edited.stamps()
    edited.edit("fr/2024/ain.md", "tags: [Irak]", "tags: [Irak")
    result = edited.site.build()
    assert result.exit_code == 1
    assert result.output.startswith("content/fr/2024/ain.md:")
    assert edited.stamps() == before
    edited.edit("fr/2024/ain.md", "tags: [Irak", "tags: [Irak]")
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()


def test_a_page_changed_by_hand_in_the_output_is_noticed(edited: Edited) -> None:
    (edited.site.output / "fr/2023/12/ancien/index.html").write_text("tampered")
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "full"
    edited.assert_equals_clean_build()


def test_a_damaged_or_missing_page_graph_means_a_full_build(edited: Edited) -> None:
    state = BuildState(load_config(edited.config))
    state.graph_base().write_bytes(pickle.dumps("not a graph"))
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "full"
    edited.assert_equals_clean_build()
    state.graph_base().unlink()
    edited.edit("fr/2024/ain.md", "Trois drones", "Quatre drones")
    assert edited.build().kind == "full"
    edited.edit("fr/2024/ain.md", "Quatre drones", "Cinq drones")
    assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()


def test_several_edits_in_a_row_accumulate(edited: Edited) -> None:
    for number in range(4):
        edited.edit("fr/2024/ain.md", "drones sur" if number == 0 else f"drones ({number - 1}) sur",
                    f"drones ({number}) sur")
        edited.edit("en/ain.md", "Iraq:" if number == 0 else f"Iraq {number - 1}:", f"Iraq {number}:")
        assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()
    # a new Builder (a new `digest build`) reads the graph with its edits from the cache
    edited.edit("fr/2024/retrait.md", "Body paragraph.", "Autre texte.")
    assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()


def test_templates_that_read_the_whole_site_make_every_build_full(make_site) -> None:
    site = make_site(ARTICLES)
    theme_base = (default_theme_dir() / "base.html").read_text(encoding="utf-8")
    assert '<footer class="site-footer">' in theme_base
    site.write("templates/base.html", theme_base.replace(
        '<footer class="site-footer">', '<footer class="site-footer">{{ site.articles["fr"]|length }} articles', 1))
    edited = Edited(site)
    edited.edit("fr/2024/ain.md", "Deux drones", "Trois drones")
    assert edited.build().kind == "full"
    edited.assert_equals_clean_build()


def test_serve_stamps_only_the_paths_it_is_told_of(make_site, tmp_path: Path) -> None:
    """Serve hands the paths the file system reports changed: stamping only those gives the very
    stamps a full scan gives, through edits, new and removed files and folders."""
    site = make_site(ARTICLES)
    config = load_config(site.root / "config.yaml")
    content = site.root / "content"
    sources = Sources.scan(Frame(config))
    steps = [
        lambda: (content / "fr/2024/ain.md").write_text(ARTICLES["fr/2024/ain.md"] + "\nPlus.\n"),
        lambda: site.write("content/fr/2025/01/nouveau.md", article("Nouveau")),
        lambda: (content / "fr/2023/ancien.md").unlink(),
        lambda: shutil.rmtree(content / "fr/2025"),
        lambda: os.rename(content / "fr/2024", content / "fr/2022"),
        lambda: site.write("content/en/.ain.md.swp", b"editor state"),
    ]
    changed = [[content / "fr/2024/ain.md"], [content / "fr/2025"], [content / "fr/2023/ancien.md"],
               [content / "fr/2025"], [content / "fr/2024", content / "fr/2022"], [content / "en/.ain.md.swp"]]
    for step, paths in zip(steps, changed, strict=True):
        step()
        sources = Sources.scan(Frame(config), sources, [str(path) for path in paths])
        assert dict(sources.content) == dict(Sources.scan(Frame(config)).content)


def test_search_follows_an_edit(make_site) -> None:
    site = make_site({"fr/2024/glacier.md": article("Le glacier recule", body="La glace fond vite.")},
                     config=BASE_CONFIG.replace("search: false", "search: true"))
    edited = Edited(site)
    edited.edit("fr/2024/glacier.md", "La glace fond vite.", "La glace perd dix mètres.")
    assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()
    # (the index compared by what it finds: the edit is in a recent shard that supersedes the quarter's record)
    found = search_index(site.output)["fr"]
    assert list(found) == ["/fr/2024/07/glacier/"] and "perd dix mètres" in found["/fr/2024/07/glacier/"]["content"]


def test_an_edit_reads_only_the_articles_its_pages_show(make_site) -> None:
    """The page graph's record keeps each article apart: planning an edit makes the edited article and
    those shown beside it on the pages it plans, not the site's others (an edit must not grow with the
    site); the build that follows equals a clean one."""
    files = {f"fr/2024/a{n:03}.md": article(f"Article {n}", tags=f"[Thème {n % 2}]", body=f"Texte {n}.\n\nSuite {n}.",
                                            date=f"2024-0{1 + n % 6}-{1 + n % 27:02}T08:{n % 60:02}:00+01:00")
             for n in range(120)}
    edited = Edited(make_site(files))
    config = load_config(edited.config)
    state = BuildState(config)
    frame = Frame(config)

    def planned() -> frozenset[str]:
        record = load_record(state, build_time())
        assert record is not None
        plan = plan_edit(frame, record, Sources.scan(frame), build_time(), {}, record_store(state))
        assert plan is not None and plan.outputs
        store = plan.record.site.store
        assert store is not None
        assert isinstance(store.blobs, Stored)  # the articles kept apart from the record's structure: read when asked
        return store.made

    edited.edit("fr/2024/a050.md", "Suite 50.", "Suite 50, relue.")  # its page alone shows the body
    # (and the newest, whose year every page's navigation leads to)
    assert planned() == {"content/fr/2024/a050.md", "content/fr/2024/a053.md"}
    assert edited.build().kind == "edit"
    # The oldest article's card: on a page of each list that holds it (in no feed: not among the newest)
    edited.edit("fr/2024/a054.md", "Article 54", "Article 54, relu")
    made = planned()
    assert "content/fr/2024/a054.md" in made and len(made) < 60  # its lists' pages, not the 120
    assert edited.build().kind == "edit"
    edited.assert_equals_clean_build()

