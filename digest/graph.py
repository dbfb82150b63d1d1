"""The page graph: every file a build writes, decided in this one module.

Each output is an `Output`: its path in the output folder, a fingerprint of everything it shows (equal
fingerprints, equal bytes: the writer keeps a file whose fingerprint did not change), and how to make
its bytes (a render, or a file to copy). What a page depends on is spelled out here, next to where the
page is decided: an article page on its article and the cards of its translations and related
articles; a list on the cards of the articles it lists; feeds on their entries; the sitemap on the
outline of every article (which pages exist and their dates); everything on the site's salt (digest's
version, the config, the templates and UI strings: made once per build, see digest.state.Frame).
Rendering (digest.render) turns a page into bytes and decides nothing.

Outputs come in groups (one article page, one page of a list, one day's edition, a language's feeds...),
each named by a `Group` key that `PageGraph.outputs` turns back into its outputs. While planning, the
graph notes which groups show each article's card or body (`Readers`): after an edit that changes no
outline, only the groups reading the edited articles need planning again (see digest.delta).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from digest import feeds, sitemap, urls
from digest.content import Article
from digest.output import Output, file_fingerprint
from digest.presentation import Presentation
from digest.records import fingerprint
from digest.render import PageContext, Renderer, hreflang
from digest.site import Edition, Page, Site, Tag, page_of, paginate
from digest.sitemap import SitemapEntry
from digest.theme import asset_files

if TYPE_CHECKING:
    from digest import cards

Group = tuple[Any, ...]  # ("article", file), ("home", lang, number), ("tag", lang, slug, number), ...


@dataclass(frozen=True)
class Readers:
    """Per article file, the groups whose outputs show its card, and those that show its body (a
    stored graph's kept pickled, see digest.blobs.Unpickled: an edit reads those of its articles)."""

    cards: Mapping[str, AbstractSet[Group]] = field(default_factory=dict)
    bodies: Mapping[str, AbstractSet[Group]] = field(default_factory=dict)

    def of(self, file: str, card_changed: bool) -> set[Group]:
        """The groups to plan again after an edit of `file` (its card too, or only its body)."""
        found = set(self.bodies.get(file, ()))
        if card_changed:
            found |= self.cards.get(file, set())
        return found


def outline(article: Article) -> str:
    """A fingerprint of what decides which outputs exist and where an article appears in them (its
    language, key, URL, date, tags, related keys, draft flag, files, last change, whether it has a
    photo: else it has a social card): an edit that keeps it changes what some pages show, never
    which pages there are or what they list."""
    return fingerprint(article.lang, article.key, article.url, article.date.isoformat(),
                       article.modified.isoformat(), [(tag.slug, tag.name) for tag in article.tags],
                       article.related, article.draft, [(asset.site_path, str(asset.file)) for asset in article.assets],
                       bool(article.image and article.image.has_picture))


class PageGraph:
    """Every file of a site as an Output. Planning must be cheap (a site has tens of thousands of
    pages): a page's fingerprint is made of the few inputs everything else on it derives from, and its
    context is computed only if it is rendered.

    `salt` and `version` come from the build's frame (digest.state.Frame: what every output depends on,
    and digest's version). `full` gives an article with its body, for the few outputs that show one (its
    page, the language feed): a graph planned from articles kept without their bodies (digest.delta)
    reads them again.
    """

    def __init__(self, site: Site, salt: str, version: str,
                 full: Callable[[Article], Article] = lambda article: article) -> None:
        self.site = site
        self.version = version
        self.config = site.config
        self.full = full
        self.renderer = Renderer(site, salt)
        self.presentation = Presentation(site, self.renderer, full)
        self.translators = self.renderer.translators
        self.site_title = self.renderer.site_title
        # Which tags and dates each language has: a page's switcher shows it, so its fingerprint holds it.
        self.tag_slugs = self.presentation.tag_slugs
        self.days = self.presentation.days
        self.months = self.presentation.months
        self.years = self.presentation.years
        salt = fingerprint(salt, sorted((c, a or "") for c, a in self.renderer.archive.items()))
        # Templates that look at the whole site (site.articles in a sidebar...) make every page depend on it.
        self.salt = fingerprint(salt, site.digest) if self.renderer.uses_site else salt
        # Lists and links show an article's card (all but its body), unless a theme shows bodies there too.
        self.bodies_everywhere = self.renderer.bodies_beyond_own_page
        self._card_readers: dict[str, set[Group]] = {}  # (filled while planning: see card and body)
        self._body_readers: dict[str, set[Group]] = {}
        self.readers = Readers(self._card_readers, self._body_readers)
        self._group: Group = ()
        self._paginated: dict[tuple[str, ...], tuple[Page, ...]] = {}
        self._edition_index: dict[str, dict[date, int]] = {}
        self._months: dict[str, dict[tuple[int, int], list[Edition]]] = {}

    @property
    def follows_edits(self) -> bool:
        """Whether the readers noted while planning are all an edit can change: not so if a template
        reads the whole site."""
        return not self.renderer.uses_site

    # --- what each group reads of the articles

    def _reading(self, group: Group) -> None:
        self._group = group

    def card(self, article: Article) -> str:
        """An article's card, as the current group shows it (its fingerprint: see content.Article)."""
        if self.bodies_everywhere:
            return self.body(article)
        self._card_readers.setdefault(article.file, set()).add(self._group)
        return article.card

    def body(self, article: Article) -> str:
        self._body_readers.setdefault(article.file, set()).add(self._group)
        return article.digest

    # --- the plan

    def plan(self) -> Iterator[Output]:
        """Every file of the site, in a fixed order; rendering happens when the writer asks for it."""
        config = self.config
        pages = [output for group in self.page_groups() for output in self.outputs(group)]
        # Which pages there are, their dates and versions: all follows from the articles' outlines. The
        # sitemap is the largest single file: first in line, so that no worker is left waiting for it.
        yield Output(urls.SITEMAP, self.structure, apart=True,
                     render=lambda: sitemap.sitemap(config, [page.sitemap() for page in pages if page.sitemap]))
        yield from self.outputs(("news",))
        yield from pages
        for code in config.language_codes:
            yield from self.outputs(("feeds", code))
        yield from self.outputs(("static",))

    @property
    def structure(self) -> str:
        """Changes when any page is added or removed, or its date, versions or last change."""
        return fingerprint(self.salt, "structure", [outline(a) for a in self.site.all_articles()])

    def page_groups(self) -> Iterator[Group]:
        config = self.config
        yield ("root",)
        for code in config.language_codes:
            for page in self._pages(("home", code), self.site.articles[code], urls.home(code)):
                yield ("home", code, page.number)
            for article in self.site.articles[code]:
                yield ("article", article.file)
            yield ("tags", code)
            for tag in self.site.tags[code]:
                for page in self._pages(("tag", code, tag.slug), tag.articles, tag.url):
                    yield ("tag", code, tag.slug, page.number)
            for edition in self.site.editions[code]:
                yield ("day", code, edition.day)
            for year, month in self._months_of(code):
                yield ("month", code, year, month)
            for year in dict.fromkeys(year for year, _ in self._months_of(code)):
                yield ("year", code, year)
        yield ("404",)

    def outputs(self, group: Group) -> Iterator[Output]:
        """The outputs of one group (any but the sitemap, which `plan` makes from every page)."""
        self._reading(group)
        kind, *where = group
        if kind == "article":
            article = self.site.article(where[0])
            yield self.article_page(article)
            if self.config.social_cards and not (article.image and article.image.has_picture):
                yield self.social_card(article)
        elif kind == "home":
            yield self.home_page(*where)
        elif kind == "tag":
            yield self.tag_page(self._tags_by_slug[where[0], where[1]], where[2])
        elif kind == "day":
            yield self.edition_page(*where)
        elif kind == "month":
            yield self.month_page(*where)
        elif kind == "year":
            yield self.year_page(*where)
        elif kind == "tags":
            yield self.tag_index(*where)
        elif kind == "feeds":
            yield from self.feeds(*where)
        elif kind == "news":
            yield self.news_sitemap()
        elif kind == "root":
            yield self.root_page()
        elif kind == "404":
            yield self.not_found_page()
        elif kind == "static":
            yield from self.static_files()
        else:
            raise ValueError(f"no output group {group!r}")

    # --- lookups, made once per graph

    @cached_property
    def _tags_by_slug(self) -> dict[tuple[str, str], Tag]:
        return {(tag.lang, tag.slug): tag for tags in self.site.tags.values() for tag in tags}

    def _pages(self, key: tuple[str, ...], articles: Sequence[Article], first_url: str) -> tuple[Page, ...]:
        """A list's pages, paginated once per graph."""
        if key not in self._paginated:
            self._paginated[key] = paginate(articles, self.config.per_page, first_url)
        return self._paginated[key]

    def _page_of(self, key: tuple[str, ...], articles: Sequence[Article], first_url: str, number: int) -> Page:
        """One page of a list: paginated whole if the plan went through it, else alone (an edit plans a
        few pages of a list whose other articles it need not read)."""
        if key in self._paginated:
            return self._paginated[key][number - 1]
        return page_of(articles, self.config.per_page, first_url, number)

    def _editions_of(self, code: str) -> dict[date, int]:
        """Day -> its index in the language's editions (newest first)."""
        if code not in self._edition_index:
            self._edition_index[code] = {edition.day: index for index, edition in enumerate(self.site.editions[code])}
        return self._edition_index[code]

    def _months_of(self, code: str) -> dict[tuple[int, int], list[Edition]]:
        """(year, month) -> its editions, newest first."""
        if code not in self._months:
            months: dict[tuple[int, int], list[Edition]] = {}
            for edition in self.site.editions[code]:
                months.setdefault((edition.day.year, edition.day.month), []).append(edition)
            self._months[code] = months
        return self._months[code]

    # --- pages (what each says of itself: digest.presentation)

    def root_page(self) -> Output:
        return self._page("root.html", urls.ROOT, self.config.default_language, (), self.presentation.root,
                          in_sitemap=False)

    def not_found_page(self) -> Output:
        return self._page("404.html", urls.NOT_FOUND, self.config.default_language, (),
                          self.presentation.not_found, in_sitemap=False)

    def home_page(self, code: str, number: int) -> Output:
        page = self._page_of(("home", code), self.site.articles[code], urls.home(code), number)
        return self._page("home.html", page.url, code, (page.count, [self.card(a) for a in page.items]),
                          lambda: self.presentation.home(code, page))

    def article_page(self, article: Article) -> Output:
        translations = self.site.translations_of(article)
        related = self.site.related_of(article)
        key = (self.body(article), [self.card(a) for a in translations], [self.card(a) for a in related])
        return self._page("article.html", article.url, article.lang, key,
                          lambda: self.presentation.article(article, translations, related))

    def tag_index(self, code: str) -> Output:
        tags = self.site.tags[code]
        return self._page(
            "tags.html", urls.tag_index(code), code, [(tag.slug, tag.name, len(tag.articles)) for tag in tags],
            lambda: self.presentation.tag_index(code, tags))

    def tag_page(self, tag: Tag, number: int) -> Output:
        codes = self.config.language_codes
        elsewhere = tuple(tag.slug in self.tag_slugs[c] for c in codes)  # the switcher links there if so
        page = self._page_of(("tag", tag.lang, tag.slug), tag.articles, tag.url, number)
        return self._page("tag.html", page.url, tag.lang,
                          (tag.name, page.count, len(tag.articles), elsewhere, [self.card(a) for a in page.items]),
                          lambda: self.presentation.tag(tag, page))

    def edition_page(self, code: str, day: date) -> Output:
        """A day's edition: every prefix of an article URL has a page (editions, months, years)."""
        codes = self.config.language_codes
        editions = self.site.editions[code]
        index = self._editions_of(code)[day]
        edition = editions[index]
        newer = editions[index - 1] if index > 0 else None
        older = editions[index + 1] if index + 1 < len(editions) else None
        # The switcher leads to the same day in each language, else to its year, else to its home.
        elsewhere = tuple((day in self.days[c], day.year in self.years[c]) for c in codes)
        return self._page("edition.html", edition.url, code,
                          (older.url if older else None, newer.url if newer else None, elsewhere,
                           [self.card(a) for a in edition.articles]),
                          lambda: self.presentation.edition(code, edition, older, newer))

    def month_page(self, code: str, year: int, month: int) -> Output:
        codes = self.config.language_codes
        days = self._months_of(code)[year, month]
        elsewhere = tuple(((year, month) in self.months[c], year in self.years[c]) for c in codes)
        return self._page("month.html", urls.month(code, year, month), code,
                          (elsewhere, [self.card(a) for e in days for a in e.articles]),
                          lambda: self.presentation.month(code, year, month, days))

    def year_page(self, code: str, year: int) -> Output:
        codes = self.config.language_codes
        month_counts = [(date(y, m, 1), sum(len(e.articles) for e in days))
                        for (y, m), days in self._months_of(code).items() if y == year]
        elsewhere = tuple(year in self.years[c] for c in codes)
        return self._page("year.html", urls.year(code, year), code, (elsewhere, month_counts),
                          lambda: self.presentation.year(code, year, month_counts))

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

    # --- other files

    def social_card(self, article: Article) -> Output:
        """The article's share image (digest.cards): redrawn only when what it shows changes, so its
        fingerprint is made of that alone (not of the site's salt: a template edit keeps every card)."""
        from digest import cards

        card = cards.Card(title=article.title, site_title=self.site_title(article.lang),
                          date=self.translators[article.lang].date(article.date), section=article.section,
                          lang=article.lang, rtl=self.config.language(article.lang).direction == "rtl")
        theme = self._card_theme
        return Output(urls.social_card(article.url), fingerprint(self._card_salt, card),
                      render=lambda: cards.draw(card, theme))

    @cached_property
    def _card_theme(self) -> cards.Theme:
        from digest import cards

        return cards.theme(self.config)

    @cached_property
    def _card_salt(self) -> str:
        return fingerprint(self.version, self._card_theme.fingerprint)

    def news_sitemap(self) -> Output:
        # Lists are newest first: the news sitemap's two days, and the newest article, are where they begin.
        start = self.site.now - sitemap.NEWS_WINDOW
        recent = [a for code in self.config.language_codes
                  for a in itertools.takewhile(lambda a: a.date >= start, self.site.articles[code])]
        news = sitemap.news_articles(recent, self.site.now)
        fallback = "" if news else sitemap.news_fallback(
            [a for code in self.config.language_codes for a in _newest(self.site.articles[code], self.site.now)],
            self.site.now)
        return Output(urls.NEWS_SITEMAP, fingerprint(self.salt, "news", fallback, [self.card(a) for a in news]),
                      render=lambda: sitemap.news_sitemap(self.config, news, fallback))

    def feeds(self, code: str) -> Iterator[Output]:
        """A language's feeds: its articles in full, its editions, and each of its tags."""
        config = self.config
        t = self.translators[code]
        title = config.language(code).title
        editions = self.site.editions[code][: feeds.FEED_LENGTH]
        editions_title = t("editions_feed_title", site=title)
        yield Output(
            urls.editions_feed(code),
            fingerprint(self.salt, editions_title,
                        [(e.day.isoformat(), [self.card(a) for a in e.articles]) for e in editions]),
            render=lambda: feeds.editions_feed(config, code, editions_title, editions,
                                               lambda edition: t("edition_title", date=t.date(edition.day))),
        )
        lists = [(urls.feed(code), t("feed_title", site=title), urls.home(code), self.site.articles[code], True)]
        lists += [(urls.tag_feed(code, tag.slug), t("tag_feed_title", site=title, tag=tag.name), tag.url,
                   tag.articles, False) for tag in self.site.tags[code]]
        for path, feed_title, page, articles, full in lists:
            entries = articles[: feeds.FEED_LENGTH]
            yield Output(
                path,
                fingerprint(self.salt, path, feed_title, [self.body(a) if full else self.card(a) for a in entries]),
                render=lambda path=path, feed_title=feed_title, page=page, entries=entries, full=full:
                    feeds.atom_feed(config, code, feed_title, path, page,
                                    [self.full(a) for a in entries] if full else entries, full),
            )

    def static_files(self) -> Iterator[Output]:
        """robots.txt, .nojekyll, CNAME, theme assets, then every file an article refers to, beside its page."""
        config = self.config
        yield Output(urls.ROBOTS, self.salt, render=lambda: sitemap.robots(config))
        yield Output(".nojekyll", "", render=lambda: b"")  # GitHub Pages: serve folders and files as they are
        if config.cname:
            yield Output("CNAME", self.salt, render=lambda: f"{config.cname}\n".encode())
        for file, name in asset_files(config):
            yield Output(urls.assets(name), file_fingerprint(file), source=file)
        site_images = {image.path for image in (config.logo, config.default_image) if image}
        for path in sorted(site_images):  # the logo and default image of config.yaml, at their own path
            file = config.root / path
            yield Output(path, file_fingerprint(file), source=file)
        for article in self.site.all_articles():
            for asset in article.assets:
                yield Output(asset.site_path, file_fingerprint(asset.file), source=asset.file)


def _newest(articles: Sequence[Article], now: datetime) -> list[Article]:
    """The articles of a list (newest first) dated at its newest instant up to `now`."""
    published = (article for article in articles if article.date <= now)
    first = next(published, None)
    return [] if first is None else [first, *itertools.takewhile(lambda a: a.date == first.date, published)]
