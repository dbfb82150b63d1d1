"""Search: a Pagefind index per language, built with the site, and a search box that uses it."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import BASE_CONFIG, article

SEARCH_CONFIG = BASE_CONFIG.replace("search: false", "search: true")


def searchable_site(make_site):
    return make_site({
        "fr/2024/glacier.md": article("Le glacier recule", body="Le glacier de la Combe Blanche fond vite."),
        "en/2024/glacier.md": article("The glacier retreats", body="The Combe Blanche glacier melts fast."),
        "ar/2024/glacier.md": article("تراجع النهر الجليدي", body="النهر الجليدي يذوب بسرعة."),
    }, config=SEARCH_CONFIG)


def test_build_indexes_articles_per_language(make_site):
    site = searchable_site(make_site)
    site.build_ok()
    entry = json.loads((site.output / "pagefind/pagefind-entry.json").read_text())
    assert sorted(entry["languages"]) == ["ar", "en", "fr"]
    # only article pages carry data-pagefind-body: lists and archives are not search results
    assert {code: info["page_count"] for code, info in entry["languages"].items()} == {"ar": 1, "en": 1, "fr": 1}
    assert (site.output / "pagefind/pagefind.js").is_file()
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
