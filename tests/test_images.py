"""Images: sizes on every <img>, resized copies in srcset (never upscaled, cached), lazy loading."""

from __future__ import annotations

import io

from PIL import Image

from helpers import article


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_article_image_has_size_and_resized_copies(make_site):
    site = make_site({
        "fr/2024/a.md": article("A", image="{src: photo.jpg, caption: Légende, credit: AFP}"),
        "fr/2024/photo.jpg": jpeg(2000, 1000),
    })
    site.build_ok()
    img = site.page("fr/2024/07/a/").xpath("//figure//img")[0]
    assert (img.get("width"), img.get("height")) == ("2000", "1000")
    assert img.get("loading") is None  # the headline photo is above the fold: the page's largest paint
    assert img.get("fetchpriority") == "high"
    srcset = [part.split() for part in img.get("srcset").split(", ")]
    assert srcset == [["/sub/fr/2024/07/a/photo-480w.jpg", "480w"], ["/sub/fr/2024/07/a/photo-960w.jpg", "960w"],
                      ["/sub/fr/2024/07/a/photo-1600w.jpg", "1600w"], ["/sub/fr/2024/07/a/photo.jpg", "2000w"]]
    assert img.get("sizes")
    for width in (480, 960, 1600):
        with Image.open(site.output / f"fr/2024/07/a/photo-{width}w.jpg") as copy:
            assert copy.size == (width, width // 2)


def test_small_images_are_never_upscaled(make_site):
    site = make_site({
        "fr/2024/a.md": article("A", image="{src: small.jpg, caption: x}"),
        "fr/2024/small.jpg": jpeg(400, 300),
    })
    site.build_ok()
    img = site.page("fr/2024/07/a/").xpath("//figure//img")[0]
    assert (img.get("width"), img.get("height")) == ("400", "300")
    assert img.get("srcset") is None
    assert sorted(p.name for p in (site.output / "fr/2024/07/a").iterdir()) == ["index.html", "small.jpg"]


def test_resized_copies_are_cached_between_builds(make_site):
    site = make_site({
        "fr/2024/a.md": article("A", image="photo.jpg"),
        "fr/2024/photo.jpg": jpeg(1200, 800),
    })
    site.build_ok()
    cached = sorted((site.root / ".digest-cache/images").glob("*.jpg"))
    assert len(cached) == 2  # 480 and 960 (each with its checksum beside it)
    assert len(list((site.root / ".digest-cache/images").glob("*.jpg.sum"))) == 2
    stamps = [p.stat().st_mtime_ns for p in cached]
    first = site.files()
    site.build_ok()
    assert [p.stat().st_mtime_ns for p in cached] == stamps
    assert site.files() == first


def test_list_thumbnails_are_lazy_below_the_fold(make_site):
    articles = {f"fr/2024/a{n}.md": article(f"A{n}", date=f"2024-07-0{n}", image="p.jpg") for n in range(1, 4)}
    site = make_site({**articles, "fr/2024/p.jpg": jpeg(800, 600)})
    site.build_ok()
    thumbnails = site.page("fr/").xpath("//img[contains(@class,'thumbnail')]")
    assert [(img.get("loading"), img.get("fetchpriority")) for img in thumbnails] == [
        (None, "high"), ("lazy", None), ("lazy", None)]
    assert all(img.get("width") == "800" and img.get("height") == "600" for img in thumbnails)


def test_body_images_get_size_and_lazy_loading(make_site):
    site = make_site({
        "en/2024/a.md": article("A", body="![chart](chart.png)\n\n![remote](https://img.example.com/x.png)"),
        "en/2024/chart.png": _png(300, 200),
    })
    site.build_ok()
    images = site.page("en/2024/07/a/").xpath("//*[contains(@class,'article-body')]//img")
    assert [(i.get("width"), i.get("height"), i.get("loading")) for i in images] == [
        ("300", "200", "lazy"), (None, None, "lazy")]
    assert images[1].get("src") == "https://img.example.com/x.png"


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 0, 0, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def loading(page) -> list[tuple[str, str | None, str | None]]:
    """Each thumbnail of a list page, in reading order: (title of its card, loading, fetchpriority)."""
    return [("".join(img.xpath("ancestor::article[1]//*[contains(@class,'card-title')]//text()")).strip(),
             img.get("loading"), img.get("fetchpriority"))
            for img in page.xpath("//img[contains(@class,'thumbnail')]")]


def test_the_first_photo_of_a_day_page_is_fetched_first_the_rest_lazily(make_site):
    """The first card with a photo (not always the first card, nor in the first section) is the day page's
    largest paint: a lazy one is what Lighthouse flags ("Largest Contentful Paint image was lazily loaded")."""
    site = make_site({
        "fr/2024/breve.md": article("Brève sans photo", date="2024-07-16T18:00:00+02:00", section="A la une"),
        "fr/2024/port.md": article("Le port", date="2024-07-16T12:00:00+02:00", section="Local", image="p.jpg"),
        "fr/2024/gare.md": article("La gare", date="2024-07-16T11:00:00+02:00", section="Local", image="p.jpg"),
        "fr/2024/monde.md": article("Le monde", date="2024-07-16T10:00:00+02:00", section="Monde", image="p.jpg"),
        "fr/2024/p.jpg": jpeg(800, 600),
    })
    site.build_ok()
    day = site.page("fr/2024/07/16/")
    sections = [" ".join(h.text_content().split()) for h in day.xpath("//h2[contains(@class,'section-title')]")]
    assert sections[0] == "A la une"  # the first card, without a photo
    shown = loading(day)
    assert shown[0] == ("Le port", None, "high")
    assert [(lazy, priority) for _, lazy, priority in shown[1:]] == [("lazy", None)] * 2
    assert len(day.xpath("//img[@fetchpriority='high']")) == 1
