"""`digest status`: translations missing and outdated per language, drafts, scheduled articles."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from click.testing import CliRunner, Result

from digest.cli import main

from helpers import Site, article, tree_hashes

MakeSite = Callable[..., Site]
NOW = str(int(datetime.fromisoformat("2024-07-20T12:00:00+00:00").timestamp()))

ARTICLES = {
    # complete: three languages, translations as new as their source
    "fr/2024/complet.md": article("Complet", date="2024-07-16", translation_key="complet"),
    "en/2024/complete.md": article("Complete", date="2024-07-16", translation_key="complet"),
    "ar/2024/kamil.md": article("كامل", date="2024-07-16", translation_key="complet"),
    # the French source was updated after the English translation; no Arabic yet
    "fr/2024/maj.md": article("Mis à jour", date="2024-07-16", updated="2024-07-18T10:00:00+02:00",
                              translation_key="maj"),
    "en/2024/updated.md": article("Updated", date="2024-07-17", translation_key="maj"),
    # French only; its key is its path
    "fr/2024/seul.md": article("Seul", date="2024-07-15"),
    # a draft and a scheduled article
    "fr/2024/brouillon.md": article("Brouillon", date="2024-07-15", draft="true"),
    "en/2024/tomorrow.md": article("Tomorrow", date="2024-07-21T08:00:00+02:00", translation_key="demain"),
}


def status(site: Site, *args: str) -> Result:
    return CliRunner().invoke(main, ["status", "--config", str(site.root / "config.yaml"), *args],
                              env={"SOURCE_DATE_EPOCH": NOW})


def test_status_json(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    result = status(site, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "languages": {
            "fr": {"articles": 3, "missing": [{"key": "demain", "paths": ["content/en/2024/tomorrow.md"]}],
                   "outdated": []},
            "en": {"articles": 2,
                   "missing": [{"key": "2024/brouillon", "paths": ["content/fr/2024/brouillon.md"]},
                               {"key": "2024/seul", "paths": ["content/fr/2024/seul.md"]}],
                   "outdated": [{"key": "maj", "path": "content/en/2024/updated.md",
                                 "updated": "2024-07-17T00:00:00+02:00", "source": "content/fr/2024/maj.md",
                                 "source_updated": "2024-07-18T10:00:00+02:00"}]},
            "ar": {"articles": 1,
                   "missing": [{"key": "2024/brouillon", "paths": ["content/fr/2024/brouillon.md"]},
                               {"key": "2024/seul", "paths": ["content/fr/2024/seul.md"]},
                               {"key": "demain", "paths": ["content/en/2024/tomorrow.md"]},
                               {"key": "maj", "paths": ["content/fr/2024/maj.md", "content/en/2024/updated.md"]}],
                   "outdated": []},
        },
        "drafts": [{"path": "content/fr/2024/brouillon.md", "lang": "fr", "key": "2024/brouillon"}],
        "scheduled": [{"path": "content/en/2024/tomorrow.md", "lang": "en", "key": "demain",
                       "date": "2024-07-21T08:00:00+02:00"}],
        "duplicates": [],
        "translating": [],
    }
    assert not site.output.exists()  # status writes no site


def test_status_lang_filters_everything(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    data = json.loads(status(site, "--json", "--lang", "en").output)
    assert list(data["languages"]) == ["en"]
    assert data["drafts"] == [] and [s["path"] for s in data["scheduled"]] == ["content/en/2024/tomorrow.md"]
    data = json.loads(status(site, "--json", "--lang", "fr").output)
    assert list(data["languages"]) == ["fr"] and data["scheduled"] == [] and len(data["drafts"]) == 1


def test_once_due_the_article_counts(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    later = str(int(datetime.fromisoformat("2024-07-22T00:00:00+00:00").timestamp()))
    result = CliRunner().invoke(main, ["status", "--json", "--config", str(site.root / "config.yaml")],
                                env={"SOURCE_DATE_EPOCH": later})
    data = json.loads(result.output)
    assert data["scheduled"] == [] and data["languages"]["en"]["articles"] == 3


def test_status_text(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    result = status(site)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "fr (default): 3 articles, 1 missing, 0 outdated",
        "  missing demain (exists as content/en/2024/tomorrow.md)",
        "en: 2 articles, 2 missing, 1 outdated",
        "  missing 2024/brouillon (exists as content/fr/2024/brouillon.md)",
        "  missing 2024/seul (exists as content/fr/2024/seul.md)",
        "  outdated content/en/2024/updated.md (2024-07-17T00:00:00+02:00): content/fr/2024/maj.md changed "
        "2024-07-18T10:00:00+02:00",
        "ar: 1 article, 4 missing, 0 outdated",
        "  missing 2024/brouillon (exists as content/fr/2024/brouillon.md)",
        "  missing 2024/seul (exists as content/fr/2024/seul.md)",
        "  missing demain (exists as content/en/2024/tomorrow.md)",
        "  missing maj (exists as content/fr/2024/maj.md, content/en/2024/updated.md)",
        "drafts: 1",
        "  content/fr/2024/brouillon.md",
        "scheduled: 1",
        "  content/en/2024/tomorrow.md: 2024-07-21T08:00:00+02:00",
    ]


def test_status_reuses_the_build_cache_and_writes_nothing(make_site: MakeSite) -> None:
    site = make_site(ARTICLES)
    site.build_ok()
    before = tree_hashes(site.root)
    assert status(site, "--json").exit_code == 0
    assert tree_hashes(site.root) == before


def test_content_errors_and_unknown_language(make_site: MakeSite) -> None:
    site = make_site({**ARTICLES, "fr/bad.md": article("Mauvais", date="hier")})
    result = status(site)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "content/fr/bad.md:3: 'date' is not a valid date: 'hier' (expected YYYY-MM-DD or an ISO 8601 date and time "
        "such as 2024-07-16T14:30:00+03:00)"]
    site = make_site(ARTICLES)
    result = status(site, "--lang", "de")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().endswith("unknown language 'de' (languages: fr, en, ar)")
    assert len(result.output.strip().splitlines()) == 1
