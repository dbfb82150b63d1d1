"""`digest new --translation-of`: a translation starts from the original's fields, its tags as the site
already translates them, and its text between markers; `digest status` shows it in progress."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml
from PIL import Image

from helpers import Site, article, run_in, texts

MakeSite = Callable[..., Site]

ORIGINAL = """\
---
title: "Irak : la base américaine d'Ain al-Asad visée par des drones"
date: 2024-07-16T14:30:00+03:00
source: {name: Press TV, url: "https://www.presstv.ir/Detail/2024/07/16/729870/"}
author: Jeanne Dupont
section: International
image:
  src: ain-al-asad.jpg
  caption: Vue générale de la base aérienne d'Ain al-Asad.
  credit: AFP
  alt: Vue aérienne de la base
tags: [Irak, Drones, États-Unis, Anbar]
related: [retrait]
---
Une source sécuritaire irakienne a fait état mardi d'une attaque de drones contre la base.

Deux drones suicide ont pris pour cible les alentours de la base aérienne.

Voir [le retrait des forces](retrait.md#contexte) et la carte : ![Carte de la région](carte.png)
"""

# Articles translated before: they teach which English tag each French tag is.
EARLIER = {
    "fr/2024/retrait.md": article("Retrait des forces", date="2024-07-10", tags="[Irak, États-Unis]",
                                  translation_key="retrait"),
    "en/2024/withdrawal.md": article("Forces withdraw", date="2024-07-10", tags="[Iraq, United States]",
                                     translation_key="retrait"),
    "fr/2024/bagdad.md": article("Bagdad", date="2024-07-11", tags="[Irak]", translation_key="bagdad"),
    "en/2024/baghdad.md": article("Baghdad", date="2024-07-11", tags="[Iraq]", translation_key="bagdad"),
    "fr/2024/essaim.md": article("Essaim", date="2024-07-12", tags="[Drones]", translation_key="essaim"),
    "en/2024/swarm.md": article("Swarm", date="2024-07-12", tags="[Drones]", translation_key="essaim"),
}


def split(path: Path) -> tuple[dict, str, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), front, body


def make(make_site: MakeSite) -> tuple[Site, Path]:
    site = make_site({**EARLIER, "fr/2024/ain-al-asad.md": ORIGINAL})
    Image.new("RGB", (64, 48), "steelblue").save(site.root / "content/fr/2024/ain-al-asad.jpg")
    Image.new("RGB", (32, 32), "seagreen").save(site.root / "content/fr/2024/carte.png")
    return site, site.root / "content/fr/2024/ain-al-asad.md"


def test_translation_copies_the_original_and_its_translated_tags(make_site: MakeSite) -> None:
    site, _ = make(make_site)
    result = run_in(site.root, "new", "Iraq: drones target the Ain al-Asad base", "--lang", "en",
                    "--translation-of", "content/fr/2024/ain-al-asad.md")
    assert result.exit_code == 0, result.output
    path = site.root / result.output.strip()
    assert path == site.root / "content/en/2024/iraq-drones-target-the-ain-al-asad-base.md"
    meta, front, body = split(path)
    assert meta["title"] == "Iraq: drones target the Ain al-Asad base"
    assert meta["translation_key"] == "2024/ain-al-asad"
    assert meta["source"] == {"name": "Press TV", "url": "https://www.presstv.ir/Detail/2024/07/16/729870/"}
    assert meta["author"] == "Jeanne Dupont" and meta["section"] == "International"
    assert meta["related"] == ["retrait"]
    assert meta["draft"] is True
    # the same photo, from the translation's folder; the caption and alt marked for translating
    assert meta["image"] == {"src": "../../fr/2024/ain-al-asad.jpg", "caption": "Vue générale de la base aérienne "
                             "d'Ain al-Asad.", "credit": "AFP", "alt": "Vue aérienne de la base"}
    assert "caption: \"Vue générale de la base aérienne d'Ain al-Asad.\"  # translate" in front
    # Irak -> Iraq (two translated articles), États-Unis -> United States (once Iraq is taken), Drones as is;
    # Anbar has no English article yet: listed in a comment
    assert meta["tags"] == ["Iraq", "Drones", "United States"]
    assert "# tags of the original with no translation on the site yet (add yours to tags): Anbar" in front
    # the original text between markers, to write over
    lines = body.strip().splitlines()
    assert lines[0].startswith("DIGEST-TRANSLATE-START: the original text (fr) follows")
    assert lines[-1] == "DIGEST-TRANSLATE-END"
    assert "Deux drones suicide ont pris pour cible les alentours de la base aérienne." in lines
    # links and images of the text point at the same files from the new folder
    assert ("Voir [le retrait des forces](../../fr/2024/retrait.md#contexte) et la carte : "
            "![Carte de la région](../../fr/2024/carte.png)") in lines
    # a draft: out of the site until published; with --drafts it builds, with the original's photo
    site.build_ok()
    assert not (site.output / "en/2024/07/iraq-drones-target-the-ain-al-asad-base").exists()
    site.build_ok("--drafts")
    page = site.page("en/2024/07/iraq-drones-target-the-ain-al-asad-base/")
    assert page.xpath("//head/link[@hreflang='fr']/@href") == [
        "https://example.org/sub/fr/2024/07/ain-al-asad/"]
    assert page.xpath("//figure//img/@alt") == ["Vue aérienne de la base"]
    assert page.xpath("//main//a[text()='le retrait des forces']/@href") == ["/sub/fr/2024/07/retrait/#contexte"]
    [image] = page.xpath("//main//img[@alt='Carte de la région']/@src")
    assert (site.output / image.removeprefix("/sub/")).is_file()
    assert texts(page, "//main//a[contains(@href, '/en/tags/')]")[:3] == ["Iraq", "Drones", "United States"]


def test_status_shows_the_translation_in_progress_until_the_markers_are_gone(make_site: MakeSite) -> None:
    site, _ = make(make_site)
    result = run_in(site.root, "new", "Drones over Ain al-Asad", "--lang", "en",
                    "--translation-of", "content/fr/2024/ain-al-asad.md")
    path = site.root / result.output.strip()
    shown = path.relative_to(site.root).as_posix()
    status = run_in(site.root, "status")
    assert status.exit_code == 0, status.output
    assert f"  {shown}: translation in progress (the original text is still between its markers)" \
        in status.output.splitlines()
    data = json.loads(run_in(site.root, "status", "--json").output)
    assert data["translating"] == [{"path": shown, "lang": "en", "key": "2024/ain-al-asad"}]
    # the translator writes over the original text and deletes the markers
    front = path.read_text(encoding="utf-8").split("---\n", 2)[1]
    path.write_text(f"---\n{front}---\nAn Iraqi security source reported a drone attack on the base.\n",
                    encoding="utf-8")
    assert "translation in progress" not in run_in(site.root, "status").output
    assert json.loads(run_in(site.root, "status", "--json").output)["translating"] == []


def test_translation_refuses_the_same_language_and_an_unknown_one(make_site: MakeSite) -> None:
    site, _ = make(make_site)
    before = sorted(p for p in (site.root / "content").rglob("*"))
    same = run_in(site.root, "new", "Autre", "--lang", "fr", "--translation-of", "content/fr/2024/ain-al-asad.md")
    assert same.exit_code == 1
    assert same.output.strip() == ("content/fr/2024/ain-al-asad.md: is already in 'fr': --translation-of needs an "
                                   "article of another language")
    assert sorted(p for p in (site.root / "content").rglob("*")) == before
