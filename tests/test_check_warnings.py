"""`digest check` warns (exit 0, `path:line: warning: ...`) about what builds but is probably not meant to
be published: the example base_url, the welcome articles of `digest init`, an article dated in the
future, an image caption without a picture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner, Result

from digest.cli import main

from helpers import BASE_CONFIG, Site, article

MakeSite = Callable[..., Site]
NOW = str(int(datetime.fromisoformat("2024-07-18T12:00:00+00:00").timestamp()))


def check(site: Site, *args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--config", str(site.root / "config.yaml"), *args],
                              env={"SOURCE_DATE_EPOCH": NOW})


def warnings(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if ": warning: " in line]


def test_a_fresh_init_site_is_warned_about_its_base_url_and_welcome_articles(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["init", str(tmp_path / "news"), "--languages", "fr,en"]).exit_code == 0
    site = Site(tmp_path / "news")
    result = CliRunner().invoke(main, ["check", "--config", str(site.root / "config.yaml")])
    assert result.exit_code == 0, result.output
    base_url_line = (site.root / "config.yaml").read_text().splitlines().index("base_url: https://example.org/") + 1
    found = warnings(result)
    assert found[0].endswith(
        f"config.yaml:{base_url_line}: warning: base_url is still the example's (https://example.org/): set it to "
        "the address the site is published at (the GitHub Pages workflow of digest init passes its own with "
        "--base-url)")
    assert found[1:] == [
        "content/en/welcome.md:6: warning: an example article made by digest init: delete it once you have written "
        "your own",
        "content/fr/welcome.md:6: warning: an example article made by digest init: delete it once you have written "
        "your own",
    ]
    assert "no broken links" in result.output
    # Deleting the welcome articles and setting base_url leaves nothing to warn about.
    for welcome in (site.root / "content").rglob("welcome.md"):
        welcome.unlink()
    site.write("content/fr/premier.md", article("Premier"))
    config_text = (site.root / "config.yaml").read_text(encoding="utf-8")
    site.write("config.yaml", config_text.replace("https://example.org/", "https://news.example-press.fr/"))
    result = CliRunner().invoke(main, ["check", "--config", str(site.root / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert warnings(result) == []


def test_future_article_and_caption_without_picture(make_site: MakeSite) -> None:
    site = make_site({
        "fr/2024/demain.md": article("Demain", date="2024-07-20T08:00:00+02:00"),
        "fr/2024/legende.md": article("Légende", image="{caption: Vue de la base., credit: AFP}"),
        "fr/2024/photo.md": article("Photo", image="{src: 'https://cdn.example-press.fr/a.jpg', caption: Vue.}"),
        "fr/2024/brouillon.md": article("Brouillon", date="2024-07-25", draft="true",
                                        image="{caption: Sans photo}"),
    })
    site.build_ok()
    before = site.files()
    result = check(site, "--base-url", "https://news.example-press.fr/")
    assert result.exit_code == 0, result.output
    assert warnings(result) == [
        "content/fr/2024/demain.md:3: warning: dated in the future (2024-07-20T08:00:00+02:00): it is scheduled, "
        "left out until a build after that time (--future includes it)",
        "content/fr/2024/legende.md:4: warning: the image has a caption but no picture (no src): the page shows the "
        "caption alone",
    ]
    assert site.files() == before  # check writes nothing
    with_future = check(site, "--future", "--base-url", "https://news.example-press.fr/")
    assert [line.split(":")[0] for line in warnings(with_future)] == ["content/fr/2024/legende.md"]
    with_drafts = check(site, "--drafts", "--base-url", "https://news.example-press.fr/")
    assert "content/fr/2024/brouillon.md" in " ".join(warnings(with_drafts))
    # Without --base-url, the example address of the test config is warned about too.
    assert warnings(check(site))[0].endswith(
        "config.yaml:2: warning: base_url is still the example's (https://example.org/sub/): set it to the address "
        "the site is published at (the GitHub Pages workflow of digest init passes its own with --base-url)")


def test_errors_still_fail_and_come_with_the_warnings(make_site: MakeSite) -> None:
    site = make_site({"fr/2024/a.md": article("A", body="[perdu](/sub/fr/nulle-part/)"),
                      "fr/2024/b.md": article("B", date="2024-07-30")})
    result = check(site)
    assert result.exit_code == 1
    assert any(line.endswith("broken link -> /sub/fr/nulle-part/") for line in result.output.splitlines())
    assert any(line.startswith("content/fr/2024/b.md:3: warning: dated in the future") for line in warnings(result))


def test_a_site_with_nothing_to_warn_about(make_site: MakeSite) -> None:
    site = make_site({"fr/2024/a.md": article("A")}, config=BASE_CONFIG.replace("example.org", "news.example-press.fr"))
    result = check(site)
    assert result.exit_code == 0, result.output
    assert warnings(result) == []
