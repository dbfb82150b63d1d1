"""The page graph: every file a build writes, decided in this one module.

Each output is an `Output`: its path in the output folder, a fingerprint of everything it shows (equal
fingerprints, equal bytes: the writer keeps a file whose fingerprint did not change), and how to make
its bytes (a render, or a file to copy). What a page depends on is spelled out here, next to where the
page is decided: an article page on its article and the cards of its translations and related
articles; a list on the cards of the articles it lists; feeds on their entries; the sitemap on every
card; everything on the site's salt (digest's version, the config, the templates and UI strings).
Rendering (digest.render) turns a page into bytes and decides nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from digest import __version__, feeds, sitemap, urls
from digest.config import Config
from digest.content import Article
from digest.i18n import translator
from digest.output import Output, file_fingerprint, fingerprint
from digest.render import PageContext, Renderer, hreflang
from digest.site import Edition, Page, Site, Tag, paginate
from digest.sitemap import SitemapEntry
from digest.theme import asset_files, template_dirs


def plan(site: Site, include_drafts: bool) -> Iterator[Output]:
    """Every file of the site, in a fixed order; rendering happens when the writer asks for it."""
    config = site.config
    graph = PageGraph(site, site_salt(site, include_drafts))
    pages = list(graph.pages())
    # Which pages there are, their dates and versions: all follows from the articles' cards. The sitemap
    # is the largest single file: first in line, so that no worker is left waiting for it at the end.
    yield Output(urls.SITEMAP, graph.structure,
                 render=lambda: sitemap.sitemap(config, [page.sitemap() for page in pages if page.sitemap]))
    news = sitemap.news_articles(site.all_articles(), site.now)
    yield Output(urls.NEWS_SITEMAP, fingerprint(graph.salt, "news", [a.card for a in news]),
                 render=lambda: sitemap.news_sitemap(config, news))
    yield from pages
    yield from feed_outputs(site, graph.salt)
    yield Output(urls.ROBOTS, graph.salt, render=lambda: sitemap.robots(config))
    yield Output(".nojekyll", "", render=lambda: b"")  # GitHub Pages: serve folders and files as they are
    if config.cname:
        yield Output("CNAME", graph.salt, render=lambda: f"{config.cname}\n".encode())
    yield from copied_files(site)


def site_salt(site: Site, include_drafts: bool) -> str:
    """What every output depends on: digest's version, the config, the templates and UI strings."""
    return fingerprint(__version__, repr(site.config), include_drafts, templates_fingerprint(site.config))


def feed_outputs(site: Site, salt: str) -> Iterator[Output]:
    config = site.config
    for code in config.language_codes:
        t = translator(config, code)
        title = config.language(code).title
        lists = [(urls.feed(code), t("feed_title", site=title), urls.home(code), site.articles[code], True)]
        lists += [(urls.tag_feed(code, tag.slug), t("tag_feed_title", site=title, tag=tag.name), tag.url,
                   tag.articles, False) for tag in site.tags[code]]
        editions = site.editions[code][: feeds.FEED_LENGTH]
        editions_title = t("editions_feed_title", site=title)
        yield Output(
            urls.editions_feed(code),
            fingerprint(salt, editions_title, [(e.day.isoformat(), [a.card for a in e.articles]) for e in editions]),
            render=lambda code=code, editions=editions, editions_title=editions_title, t=t: feeds.editions_feed(
                config, code, editions_title, editions, lambda edition: t("edition_title", date=t.date(edition.day))),
        )
        for path, feed_title, page, articles, full in lists:
            entries = articles[: feeds.FEED_LENGTH]
            yield Output(
                path,
                fingerprint(salt, path, feed_title, [a.digest if full else a.card for a in entries]),
                render=lambda code=code, path=path, feed_title=feed_title, page=page, entries=entries, full=full:
                    feeds.atom_feed(config, code, feed_title, path, page, entries, full),
            )


def copied_files(site: Site) -> Iterator[Output]:
    """Theme assets, then every file an article refers to, beside its page."""
    for file, name in asset_files(site.config):
        yield Output(urls.assets(name), file_fingerprint(file), source=file)
    site_images = {image.path for image in (site.config.logo, site.config.default_image) if image}
    for path in sorted(site_images):  # the logo and default image of config.yaml, at their own path
        file = site.config.root / path
        yield Output(path, file_fingerprint(file), source=file)
    for article in site.all_articles():
        for asset in article.assets:
            yield Output(asset.site_path, file_fingerprint(asset.file), source=asset.file)


def templates_fingerprint(config: Config) -> str:
    """Changes when any template or shipped UI string changes."""
    stamps = []
    for directory in [*template_dirs(config), Path(str(files("digest") / "locales"))]:
        for file in sorted(directory.rglob("*")):
            if file.is_file() and "assets" not in file.relative_to(directory).parts:
                stamps.append((file.relative_to(directory).as_posix(), file.read_bytes()))
    return fingerprint(stamps)




class PageGraph:
    """Every HTML page of a site as an Output. Planning must be cheap (a site has tens of thousands of
    pages): a page's fingerprint is made of the few inputs everything else on it derives from, and its
    context is computed only if it is rendered."""

    def __init__(self, site: Site, salt: str) -> None:
        self.site = site
        self.config = site.config
        self.renderer = Renderer(site, salt)
        self.translators = self.renderer.translators
        self.site_title = self.renderer.site_title
        self.tag_slugs = {code: {tag.slug for tag in tags} for code, tags in site.tags.items()}
        self.days = {code: {e.day for e in editions} for code, editions in site.editions.items()}
        self.months = {code: {(d.year, d.month) for d in days} for code, days in self.days.items()}
        self.years = {code: {d.year for d in days} for code, days in self.days.items()}
        salt = fingerprint(salt, sorted((c, a or "") for c, a in self.renderer.archive.items()))
        # Templates that look at the whole site (site.articles in a sidebar...) make every page depend on it.
        self.salt = fingerprint(salt, site.digest) if self.renderer.uses_site else salt
        # Lists and links show an article's card (all but its body), unless a theme shows bodies there too.
        self.shown: Callable[[Article], str] = \
            (lambda a: a.digest) if self.renderer.bodies_beyond_own_page else (lambda a: a.card)

    @property
    def structure(self) -> str:
        """Changes when any page is added or removed, or shows anything else of another article than
        its body: follows from the salt and every article's card."""
        return fingerprint(self.salt, "structure", [a.card for a in self.site.all_articles()])

    def pages(self) -> Iterator[Output]:
        config = self.config
        yield self._page("root.html", urls.ROOT, config.default_language, (),
                         lambda: PageContext(title=config.title, description=self.renderer.home_description(
                             config.default_language)), in_sitemap=False)
        for code in config.language_codes:
            yield from self.home_pages(code)
            for article in self.site.articles[code]:
                yield self.article_page(article)
            yield self.tag_index(code)
            for tag in self.site.tags[code]:
                yield from self.tag_pages(tag)
            yield from self.date_pages(code)
        t = self.translators[config.default_language]
        yield self._page("404.html", urls.NOT_FOUND, config.default_language, (),
                         lambda: PageContext(title=t("not_found_title"), description=t("not_found_text")),
                         in_sitemap=False)

    def home_pages(self, code: str) -> Iterator[Output]:
        alternates = tuple((c, urls.home(c)) for c in self.config.language_codes)
        t = self.translators[code]
        site_title = self.site_title(code)
        shown = self.shown
        for page in paginate(self.site.articles[code], self.config.per_page, urls.home(code)):
            def context(page: Page = page) -> PageContext:
                description = self.renderer.home_description(code)
                if page.number == 1:
                    return PageContext(title=site_title, alternates=alternates, values=lambda: {"page": page},
                                       description=description)
                page_of = t('page_of', page=page.number, pages=page.count)
                return PageContext(title=f"{site_title} – {page_of}", values=lambda: {"page": page},
                                   description=f"{description.rstrip('.')} – {page_of}")

            yield self._page("home.html", page.url, code, (page.count, [shown(a) for a in page.items]), context)

    def article_page(self, article: Article) -> Output:
        translations = self.site.translations_of(article)
        related = self.site.related_of(article)

        def context() -> PageContext:
            versions = sorted((article, *translations), key=lambda a: self.config.language_codes.index(a.lang))
            return PageContext(
                title=f"{article.title} – {self.site_title(article.lang)}",
                alternates=tuple((a.lang, a.url) for a in versions) if translations else (),
                switch_to={a.lang: a.url for a in translations},
                lastmod=article.modified,
                values=lambda: {"article": article, "translations": translations, "related": related,
                                "json_ld": self.renderer.json_ld(article),
                                "share_image": self.renderer.share_image(article)},
            )

        shown = self.shown
        return self._page("article.html", article.url, article.lang,
                          (article.digest, [shown(a) for a in translations], [shown(a) for a in related]), context)

    def tag_index(self, code: str) -> Output:
        alternates = tuple((c, urls.tag_index(c)) for c in self.config.language_codes)
        tags = self.site.tags[code]
        return self._page(
            "tags.html", urls.tag_index(code), code, [(tag.slug, tag.name, len(tag.articles)) for tag in tags],
            lambda: PageContext(title=f"{self.translators[code]('tags')} – {self.site_title(code)}",
                                alternates=alternates, switch_to=dict(alternates), values=lambda: {"tags": tags},
                                description=self.translators[code]("tags_description", site=self.site_title(code))))

    def tag_pages(self, tag: Tag) -> Iterator[Output]:
        t = self.translators[tag.lang]
        codes = self.config.language_codes
        elsewhere = tuple(tag.slug in self.tag_slugs[c] for c in codes)  # the switcher links there if so
        feed_url = urls.tag_feed(tag.lang, tag.slug)
        shown = self.shown
        for page in paginate(tag.articles, self.config.per_page, tag.url):
            def context(page: Page = page) -> PageContext:
                title = t("tag_title", tag=tag.name)
                description = t("tag_description", tag=tag.name, site=self.site_title(tag.lang),
                                articles=t("article_count", count=len(tag.articles)))
                if page.number > 1:
                    title += f" – {t('page_of', page=page.number, pages=page.count)}"
                    description = f"{description.rstrip('.')} – {t('page_of', page=page.number, pages=page.count)}"
                switch_to = {c: urls.tag(c, tag.slug) if tag.slug in self.tag_slugs[c] else urls.tag_index(c)
                             for c in codes}
                return PageContext(title=f"{title} – {self.site_title(tag.lang)}", switch_to=switch_to,
                                   values=lambda: {"tag": tag, "page": page, "feed_url": feed_url},
                                   description=description)

            yield self._page("tag.html", page.url, tag.lang,
                             (tag.name, page.count, len(tag.articles), elsewhere, [shown(a) for a in page.items]),
                             context)

    def date_pages(self, code: str) -> Iterator[Output]:
        """Editions (one per day), month and year archives: every prefix of an article URL."""
        t = self.translators[code]
        codes = self.config.language_codes
        editions = self.site.editions[code]
        feed_url = urls.editions_feed(code)
        site_title = self.site_title(code)
        shown = self.shown
        for index, edition in enumerate(editions):
            newer = editions[index - 1] if index > 0 else None
            older = editions[index + 1] if index + 1 < len(editions) else None
            day = edition.day
            # The switcher leads to the same day in each language, else to its year, else to its home.
            elsewhere = tuple((day in self.days[c], day.year in self.years[c]) for c in codes)

            def edition_context(edition: Edition = edition, newer: Edition | None = newer,
                                older: Edition | None = older) -> PageContext:
                same_day = {c: urls.edition(c, edition.day) for c in codes if edition.day in self.days[c]}
                return PageContext(
                    title=f"{t('edition_title', date=t.date(edition.day))} – {site_title}",
                    alternates=tuple(same_day.items()), switch_to=self._date_switch(same_day, edition.day.year),
                    values=lambda: {"edition": edition, "sections": edition.sections(t("other_news")),
                                    "older": older, "newer": newer, "feed_url": feed_url},
                    description=t("edition_description", date=t.date(edition.day), site=site_title,
                                  articles=t("article_count", count=len(edition.articles))))

            yield self._page("edition.html", edition.url, code,
                             (older.url if older else None, newer.url if newer else None, elsewhere,
                              [shown(a) for a in edition.articles]), edition_context)
        months: dict[tuple[int, int], list[Edition]] = {}
        for edition in editions:
            months.setdefault((edition.day.year, edition.day.month), []).append(edition)
        for (year, month), days in months.items():
            elsewhere = tuple(((year, month) in self.months[c], year in self.years[c]) for c in codes)

            def month_context(year: int = year, month: int = month, days: list[Edition] = days) -> PageContext:
                first_day = days[0].day.replace(day=1)
                same_month = {c: urls.month(c, year, month) for c in codes if (year, month) in self.months[c]}
                return PageContext(
                    title=f"{t.month(first_day)} – {site_title}",
                    alternates=tuple(same_month.items()), switch_to=self._date_switch(same_month, year),
                    values=lambda: {"month": first_day, "editions": tuple(days), "feed_url": feed_url},
                    description=t("month_description", month=t.month(first_day), site=site_title,
                                  articles=t("article_count", count=sum(len(e.articles) for e in days))))

            yield self._page("month.html", urls.month(code, year, month), code,
                             (elsewhere, [shown(a) for e in days for a in e.articles]), month_context)
        years: dict[int, list[tuple[date, int]]] = {}
        for (year, month), days in months.items():
            years.setdefault(year, []).append((date(year, month, 1), sum(len(e.articles) for e in days)))
        for year, month_counts in years.items():
            elsewhere = tuple(year in self.years[c] for c in codes)

            def year_context(year: int = year, month_counts: list[tuple[date, int]] = month_counts) -> PageContext:
                same_year = {c: urls.year(c, year) for c in codes if year in self.years[c]}
                return PageContext(
                    title=f"{year} – {site_title}",
                    alternates=tuple(same_year.items()), switch_to=self._date_switch(same_year, year),
                    values=lambda: {"year": year, "months": tuple(month_counts), "feed_url": feed_url},
                    description=t("year_description", year=str(year), site=site_title,
                                  articles=t("article_count", count=sum(n for _, n in month_counts))))

            yield self._page("year.html", urls.year(code, year), code, (elsewhere, month_counts), year_context)

    def _date_switch(self, same: dict[str, str], year: int) -> dict[str, str]:
        """The same day or month in each language, else that language's page for the year, else its home."""
        return {c: same.get(c) or (urls.year(c, year) if year in self.years[c] else urls.home(c))
                for c in self.config.language_codes}

    def _page(self, template: str, path: str, code: str, key: Any, context: Callable[[], PageContext],
              in_sitemap: bool = True) -> Output:
        """One page. `key` holds whatever the page shows that the site's salt and its path do not fix:
        equal keys, equal pages."""
        default = self.config.default_language

        def sitemap_entry() -> SitemapEntry:
            page = context()
            return SitemapEntry(path, page.lastmod, hreflang(page.alternates, default))

        return Output(
            file=urls.output_file(path),
            fingerprint=fingerprint(self.salt, template, path, code, key),
            render=lambda: self.renderer.render_page(template, path, code, context()),
            sitemap=sitemap_entry if in_sitemap else None,
        )
