"""`digest init` creates a site that builds; `digest new` writes articles and never overwrites."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml
from lxml import html as lxml_html

from helpers import Site, run_in


def run(*args: str, cwd: Path):
    return run_in(cwd, *args)


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def test_init_creates_exactly_the_languages_given_the_first_the_default(tmp_path: Path):
    result = run("init", "news", "--languages", "fr,en,ar", "--title", "La Revue", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    site = Site(tmp_path / "news")
    config = yaml.safe_load((site.root / "config.yaml").read_text(encoding="utf-8"))
    assert list(config["languages"]) == ["fr", "en", "ar"] and config["default_language"] == "fr"
    assert config["title"] == "La Revue" and {v["title"] for v in config["languages"].values()} == {"La Revue"}
    assert sorted(p.name for p in (site.root / "content").iterdir()) == ["ar", "en", "fr"]
    site.build_ok()
    today = datetime.now(UTC).date()  # the config's time zone is UTC
    for lang in ("en", "fr", "ar"):
        page = site.page(f"{lang}/{today:%Y}/{today:%m}/welcome/")
        assert page.get("lang") == lang
        assert len(page.xpath("//head/link[@hreflang]")) == 4  # en, fr, ar and x-default
    root = lxml_html.fromstring((site.output / "index.html").read_bytes())
    assert "fr/" in root.xpath("//meta[@http-equiv='refresh']/@content")[0]


def test_init_defaults_to_english_only_dated_today_and_marked_as_example(tmp_path: Path):
    result = run("init", "news", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    root = tmp_path / "news"
    config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    assert list(config["languages"]) == ["en"] and config["default_language"] == "en"
    assert [p.name for p in (root / "content").iterdir()] == ["en"]
    meta = front_matter(root / "content" / "en" / "welcome.md")
    assert meta["example"] is True
    assert meta["date"] == datetime.now(UTC).date()
    site = Site(root)
    site.build_ok()
    home = site.page("en/")
    assert home.xpath("//h1//text()|//article//h2//text()|//article//h3//text()")  # the welcome article is listed
    assert "Welcome to your news digest" in home.text_content()


def test_init_refuses_unknown_and_repeated_languages(tmp_path: Path):
    result = run("init", "news", "--languages", "fr,xx-nope,fr", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "--languages: 'fr' is given twice",
        "--languages: unknown language code 'xx-nope' (a code such as en, fr, ar, de)"]
    assert not (tmp_path / "news").exists()


def test_init_refuses_an_existing_site(tmp_path: Path):
    assert run("init", "news", cwd=tmp_path).exit_code == 0
    before = (tmp_path / "news/config.yaml").read_bytes()
    result = run("init", "news", cwd=tmp_path)
    assert result.exit_code == 1
    assert "already holds a site" in result.output
    assert (tmp_path / "news/config.yaml").read_bytes() == before


def test_new_writes_front_matter_that_builds(tmp_path: Path):
    run("init", "news", "--languages", "en,fr,ar", cwd=tmp_path)
    root = tmp_path / "news"
    result = run("new", "Irak : la base d'Ain al-Asad « visée »", "--lang", "fr", "--tags", "Irak, États-Unis",
                 "--publish", cwd=root)
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
    run("init", "news", "--languages", "en,fr,ar", cwd=tmp_path)
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
    run("init", "news", "--languages", "en,fr,ar", cwd=tmp_path)
    root = tmp_path / "news"
    original = run("new", "Drones visent une base", "--lang", "fr", "--publish", cwd=root).output.strip()
    result = run("new", "Drones target a base", "--lang", "en", "--translation-of", original, "--publish", cwd=root)
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


def test_new_refuses_a_day_number_slug_and_takes_slug_option(tmp_path: Path):
    run("init", "news", "--languages", "en,fr,ar", cwd=tmp_path)
    root = tmp_path / "news"
    before = sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*"))
    refused = run("new", "31", "--lang", "en", cwd=root)
    assert refused.exit_code == 1, refused.output
    assert refused.output.splitlines() == [
        "TITLE: the slug '31' would take the URL of the edition of day 31 (/<lang>/<yyyy>/<mm>/<dd>/); "
        "give another with --slug, e.g. --slug '31-article'"]
    assert run("new", "Le 7", "--lang", "fr", "--slug", "07", cwd=root).exit_code == 1
    assert sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*")) == before
    chosen = run("new", "31", "--lang", "en", "--slug", "31-article", "--publish", cwd=root)
    assert chosen.exit_code == 0, chosen.output
    path = root / chosen.output.strip()
    assert path.name == "31-article.md"
    date = front_matter(path)["date"]
    site = Site(root)
    site.build_ok()
    assert site.page(f"en/{date:%Y}/{date:%m}/31-article/").xpath("//h1/text()") == ["31"]


def body_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---\n", 2)[2].strip()


def test_new_writes_its_placeholder_text_in_the_articles_language(tmp_path: Path):
    run("init", "news", "--languages", "en,fr,ar", cwd=tmp_path)
    root = tmp_path / "news"
    bodies = {}
    for lang in ("en", "fr", "ar"):
        result = run("new", f"Titre {lang}", "--lang", lang, cwd=root)
        assert result.exit_code == 0, result.output
        bodies[lang] = body_of(root / result.output.strip())
    assert bodies["en"].startswith("First paragraph")
    assert bodies["fr"].startswith("Premier paragraphe")
    assert bodies["ar"].startswith("الفقرة الأولى")
    Site(root).build_ok()


def test_init_writes_a_gitignore_and_lists_the_theme(tmp_path: Path):
    result = run("init", "news", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    root = tmp_path / "news"
    ignored = [line for line in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#")]
    assert ignored == ["output/", ".digest-cache/"]
    theme = run("theme", "--path", cwd=tmp_path)
    assert theme.exit_code == 0, theme.output
    theme_dir = Path(theme.output.strip())
    assert (theme_dir / "article.html").is_file() and (theme_dir / "assets" / "style.css").is_file()
    readme = (root / "templates" / "README.md").read_text(encoding="utf-8")
    listed = [line[3:-1] for line in readme.splitlines() if line.startswith("- `")]
    shipped = sorted(p.relative_to(theme_dir).as_posix() for p in theme_dir.rglob("*") if p.is_file())
    assert sorted(listed) == shipped
    assert "digest theme --path" in readme and str(theme_dir) in readme
    full = run("theme", cwd=tmp_path)
    assert full.output.splitlines() == [str(theme_dir), *(f"  {name}" for name in listed)]


def test_init_keeps_an_existing_gitignore_and_adds_what_it_lacks(tmp_path: Path):
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / ".gitignore").write_text("*.pyc\n/output\n", encoding="utf-8")
    result = run("init", "news", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "news" / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n/output\n.digest-cache/\n"


def test_new_writes_a_draft_left_out_and_counted_by_build_and_publish_writes_a_published_one(tmp_path: Path):
    run("init", "news", cwd=tmp_path)
    root = tmp_path / "news"
    draft = root / run("new", "Half written", "--lang", "en", cwd=root).output.strip()
    assert front_matter(draft)["draft"] is True
    published = root / run("new", "Ready to go", "--lang", "en", "--publish", cwd=root).output.strip()
    assert "draft" not in front_matter(published)
    site = Site(root)
    result = site.build_ok()
    assert result.output.splitlines()[1:] == ["1 draft left out (--drafts includes it)"]
    when = front_matter(published)["date"]
    assert site.page(f"en/{when:%Y}/{when:%m}/ready-to-go/").xpath("//h1/text()") == ["Ready to go"]
    assert not (site.output / f"en/{when:%Y}/{when:%m}/half-written").exists()
    assert "Half written" not in (site.output / "en/feed.xml").read_text(encoding="utf-8")
    again = site.build_ok()  # nothing changed: the same report
    assert again.output.splitlines()[1:] == ["1 draft left out (--drafts includes it)"]
    published.write_text(published.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    edited = site.build_ok()  # an edit's build reports the drafts too
    assert edited.output.splitlines()[1:] == ["1 draft left out (--drafts includes it)"]
    with_drafts = site.build_ok("--drafts")
    assert len(with_drafts.output.splitlines()) == 1  # nothing left out
    assert site.page(f"en/{when:%Y}/{when:%m}/half-written/").xpath("//h1/text()") == ["Half written"]


def test_init_never_overwrites_a_workflow_or_requirements_of_a_repository(tmp_path: Path):
    workflow = tmp_path / "news" / ".github" / "workflows" / "pages.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: mine\n", encoding="utf-8")
    result = run("init", "news", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == ["news/.github/workflows/pages.yml: already exists; digest init never "
                                          "overwrites it"]
    assert workflow.read_text(encoding="utf-8") == "name: mine\n"
    assert not (tmp_path / "news" / "config.yaml").exists()
