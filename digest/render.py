"""Site -> rendered HTML pages, through the Jinja templates of the theme."""

from __future__ import annotations

import itertools
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import jinja2.ext
import jinja2.meta
import jinja2.nodes
import jinja2.parser

from digest import urls
from digest.config import Config
from digest.content import Article
from digest.errors import Problem, SiteError, display_path
from digest.i18n import language_name, og_locale, translator
from digest.output import Output, fingerprint
from digest.site import Edition, Page, Site, Tag, paginate
from digest.sitemap import SitemapEntry
from digest.theme import template_dirs


@dataclass(frozen=True)
class SwitchLink:
    code: str
    name: str
    url: str
    current: bool
    translated: bool  # False when the link falls back to the language's home page


class FragmentCache(jinja2.ext.Extension):
    """`{% cache key, ... %}...{% endcache %}`: render a fragment once per key and reuse it (as Hugo's
    partialCached). A news card appears on many pages (home, each of its tags, its day, its month).

    The key must name everything the fragment shows that could vary: the environment already stands for
    one config and one set of templates. Each `cache` tag is a place of its own (a number given when the
    template is compiled), so equal keys in two places never share a fragment.
    """

    tags = frozenset({"cache"})  # type: ignore[assignment]

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        self.fragments: dict[tuple[Any, ...], str] = {}
        self.places = itertools.count()

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Node:
        token = next(parser.stream)
        place = jinja2.nodes.Const(next(self.places))
        key = [place]
        while parser.stream.current.type != "block_end":
            if len(key) > 1:
                parser.stream.expect("comma")
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_fragment", [jinja2.nodes.Tuple(key, "load")]), [], [],
                                      body).set_lineno(token.lineno)

    def _fragment(self, key: tuple[Any, ...], caller: Callable[[], str]) -> str:
        fragment = self.fragments.get(key)
        if fragment is None:
            fragment = self.fragments[key] = caller()
        return fragment


def make_environment(config: Config) -> jinja2.Environment:
    env = jinja2.Environment(
        extensions=[FragmentCache],
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(config)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment serves one set of templates (a changed template means a new one, see _environment):
        # no need to check every template file's time at each page.
        auto_reload=False,
        cache_size=-1,
    )
    env.globals.update(
        href=lambda path: config.base_path + urls.encode(path),
        absolute_url=lambda path: config.base_url + urls.encode(path),
        iso=lambda moment: moment.isoformat(),
        urls=urls,
        og_locale=lambda code: og_locale(config.language(code).locale),
    )
    # Jinja's urlencode keeps "/" and ":"; share links need query values encoded whole.
    env.filters["query_value"] = lambda value: quote(str(value), safe="")
    return env


@dataclass(frozen=True)
class PageContext:
    """What every page template is given beside its own `values`: computed only for pages being rendered
    (and, without `values`, for sitemap entries)."""

    title: str
    alternates: tuple[tuple[str, str], ...] = ()  # (language, path) of the page's versions
    switch_to: Mapping[str, str] = field(default_factory=dict)  # language -> the switcher's link
    lastmod: datetime | None = None
    values: Callable[[], dict[str, Any]] = dict  # the template's own variables
    description: str = ""  # the page's meta description (an article page writes its summary itself)


@dataclass(frozen=True)
class ShareImage:
    """The image of a page for Open Graph and JSON-LD: absolute URL, and its size when known."""

    url: str
    width: int | None = None
    height: int | None = None
    alt: str | None = None


class Renderer:
    """Plans every HTML page of a site as an Output: a fingerprint of its inputs and how to render it.

    A page whose fingerprint is unchanged since the last build need not be rendered again. Planning
    must be cheap (a site has tens of thousands of pages): a page's fingerprint is made of the few
    inputs everything else on it derives from, and the rest is computed only if it is rendered.
    """

    def __init__(self, site: Site, salt: str) -> None:
        self.site = site
        self.config = site.config
        self.env, uses_site, bodies_beyond_own_page = _environment(self.config, salt)
        for extension in self.env.extensions.values():
            if isinstance(extension, FragmentCache):
                extension.fragments.clear()  # fragments live for one build: serve must not pile them up
        self.translators = {code: translator(self.config, code) for code in self.config.language_codes}
        self.tag_slugs = {code: {tag.slug for tag in tags} for code, tags in site.tags.items()}
        self.days = {code: {e.day for e in editions} for code, editions in site.editions.items()}
        self.months = {code: {(d.year, d.month) for d in days} for code, days in self.days.items()}
        self.years = {code: {d.year for d in days} for code, days in self.days.items()}
        # Every page's navigation leads to the archive of the newest year.
        self.archive = {code: urls.year(code, articles[0].date.year) if articles else None
                        for code, articles in site.articles.items()}
        salt = fingerprint(salt, sorted((c, a or "") for c, a in self.archive.items()))
        # Templates that look at the whole site (site.articles in a sidebar...) make every page depend on it.
        self.salt = fingerprint(salt, site.digest) if uses_site else salt
        # Lists and links show an article's card (all but its body), unless a theme shows bodies there too.
        self.shown: Callable[[Article], str] = (lambda a: a.digest) if bodies_beyond_own_page else (lambda a: a.card)
        # Whether a changed body changes nothing but the article's own page (and the full feeds).
        self.bodies_stay_on_their_page = not uses_site and not bodies_beyond_own_page

    @property
    def structure(self) -> str:
        """Changes when any page is added or removed, or shows anything else of another article than
        its body: follows from the salt and every article's card."""
        return fingerprint(self.salt, "structure", [a.card for a in self.site.all_articles()])

    def pages(self) -> Iterator[Output]:
        config = self.config
        yield self._page("root.html", urls.ROOT, config.default_language, (),
                         lambda: PageContext(title=config.title, description=self.home_description(
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
                description = self.home_description(code)
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
                                "json_ld": self.json_ld(article), "share_image": self.share_image(article)},
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

    def site_title(self, code: str) -> str:
        return self.config.language(code).title

    def home_description(self, code: str) -> str:
        """The language's description from config.yaml, else a sentence naming the digest."""
        return self.config.language(code).description or self.translators[code]("home_description",
                                                                                 site=self.site_title(code))

    def share_image(self, article: Article | None = None) -> ShareImage | None:
        """The article's photo, else the site's default image (config `default_image`), if any."""
        image = article.image if article else None
        if image and image.has_picture:
            return ShareImage(image_url(self.config, image.site_path, image.remote_url), image.width, image.height,
                              image.alt)
        default = self.config.default_image
        if default is None:
            return None
        return ShareImage(self.config.base_url + urls.encode(default.path), default.width, default.height)

    def json_ld(self, article: Article) -> dict[str, Any]:
        config = self.config
        absolute = config.base_url + urls.encode(article.url)
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "url": absolute,
            "mainEntityOfPage": absolute,
            "datePublished": article.date.isoformat(),
            "dateModified": article.modified.isoformat(),
            "inLanguage": article.lang,
            "description": article.summary,
            "publisher": self.publisher(article.lang),
        }
        if article.corrections:
            data["correction"] = [{"@type": "CorrectionComment", "text": c.text, "datePublished": c.date.isoformat()}
                                  for c in article.corrections]
        if article.tags:
            data["keywords"] = [tag.name for tag in article.tags]
        if article.section:
            data["articleSection"] = article.section
        if article.author:
            data["author"] = {"@type": "Person", "name": article.author}
        elif article.source:
            data["author"] = {"@type": "Organization", "name": article.source.name}
            if article.source.url:
                data["author"]["url"] = article.source.url
        if article.source and article.source.url:
            data["isBasedOn"] = article.source.url
        image = self.share_image(article)
        if image:
            data["image"] = [image.url]
        return data

    def publisher(self, code: str) -> dict[str, Any]:
        publisher: dict[str, Any] = {"@type": "Organization", "name": self.site_title(code),
                                     "url": self.config.base_url + urls.encode(urls.home(code))}
        logo = self.config.logo
        if logo:
            publisher["logo"] = {"@type": "ImageObject", "url": self.config.base_url + urls.encode(logo.path)}
            if logo.width:
                publisher["logo"] |= {"width": logo.width, "height": logo.height}
        return publisher

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
            render=lambda: self._render(template, path, code, context()),
            sitemap=sitemap_entry if in_sitemap else None,
        )

    def _render(self, template: str, path: str, code: str, page: PageContext) -> bytes:
        t = self.translators[code]
        context = {
            "config": self.config,
            "site": self.site,
            "language": self.config.language(code),
            "t": t,
            "date": t.date,
            "date_month": t.month,
            "page_url": path,
            "page_title": page.title,
            "page_description": page.description,
            "share_image": self.share_image(),
            "site_title": self.site_title(code),
            "alternates": hreflang(page.alternates, self.config.default_language),
            "switcher": self.switcher(code, {**page.switch_to, code: path}),
            "feed_url": urls.feed(code),
            "archive_url": self.archive[code],
            **page.values(),
        }
        return render_template(self.env, template, context, self.config)

    def switcher(self, current: str, switch_to: Mapping[str, str]) -> tuple[SwitchLink, ...]:
        return tuple(
            SwitchLink(
                code=language.code,
                name=language_name(language),
                url=switch_to.get(language.code, urls.home(language.code)),
                current=language.code == current,
                translated=language.code in switch_to,
            )
            for language in self.config.languages
        )


_environments: dict[str, tuple[jinja2.Environment, bool, bool]] = {}


def _environment(config: Config, key: str) -> tuple[jinja2.Environment, bool, bool]:
    """The Jinja environment (with its compiled templates) for a config and template set, kept between
    the builds of one process: `digest serve` rebuilds without compiling every template again."""
    if key not in _environments:
        _environments.clear()
        env = make_environment(config)
        _environments[key] = (env, uses_site_variable(env), shows_bodies_beyond_own_page(env))
    return _environments[key]


def shows_bodies_beyond_own_page(env: jinja2.Environment) -> bool:
    """Whether a template may show an article's body anywhere but on that article's page: anywhere
    `body_html` is written other than as `article.body_html` in article.html (a cautious reading)."""
    loader = env.loader
    assert loader is not None
    for name in loader.list_templates():
        if name.startswith("assets/"):
            continue
        source = loader.get_source(env, name)[0]
        mentions = source.count("body_html")
        if mentions and (name != "article.html" or mentions != len(re.findall(r"(?<![\w.])article\.body_html\b",
                                                                                source))):
            return True
    return False


def uses_site_variable(env: jinja2.Environment) -> bool:
    """Whether any template reads the `site` variable (and so depends on every article)."""
    loader = env.loader
    assert loader is not None
    for name in loader.list_templates():
        if name.endswith((".html", ".xml", ".txt")) and not name.startswith("assets/"):
            try:
                parsed = env.parse(loader.get_source(env, name)[0])
                if "site" in jinja2.meta.find_undeclared_variables(parsed):  # compiles: may find unknown filters
                    return True
            except jinja2.TemplateSyntaxError:
                return True  # reported with its line when the template is rendered
    return False


def hreflang(alternates: tuple[tuple[str, str], ...], default: str) -> tuple[tuple[str, str], ...]:
    """Alternate links with their hreflang, plus x-default for the default language's version.

    A page that exists in one language only gets none (not even a self-reference), whatever its kind:
    hreflang links versions of one page to one another.
    """
    if len(alternates) < 2:
        return ()
    default_version = [path for code, path in alternates if code == default]
    return (*alternates, ("x-default", default_version[0])) if default_version else alternates


def image_url(config: Config, site_path: str | None, remote_url: str | None) -> str:
    return remote_url or config.base_url + urls.encode(site_path or "")


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any], config: Config) -> bytes:
    """Render one template; template mistakes become a `path:line: message` problem."""
    try:
        return env.get_template(name).render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as error:
        raise SiteError([Problem(_template_path(error.filename, config, name), error.lineno,
                                 _template_message(error.message or "template syntax error"))]) from None
    except jinja2.TemplateNotFound as error:
        raise SiteError([Problem(name, None, f"template not found: {error.name}")]) from None
    except Exception as error:  # a theme bug: point at the template line that raised it
        filename, line = _template_frame(error)
        message = _template_message(str(error), "template error: ")
        raise SiteError([Problem(_template_path(filename, config, name), line, message)]) from None


_UNKNOWN_NAME = re.compile(r"^No (filter|test) named '(.+?)'(?: found)?\.?$")


def _template_message(message: str, prefix: str = "") -> str:
    """Jinja's message, said the way digest says it: "unknown filter 'x'" rather than "No filter named 'x'."."""
    unknown = _UNKNOWN_NAME.match(message.strip())
    return f"unknown {unknown[1]} '{unknown[2]}'" if unknown else prefix + message


def _template_frame(error: Exception) -> tuple[str | None, int | None]:
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            return frame.filename, frame.lineno
    return None, None


def _template_path(filename: str | None, config: Config, fallback: str) -> str:
    return display_path(Path(filename), config.root) if filename else f"templates/{fallback}"


