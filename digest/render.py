"""Pages -> bytes, through the Jinja templates of the theme (which pages exist: digest.graph)."""

from __future__ import annotations

import itertools
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import jinja2.ext
import jinja2.meta
import jinja2.nodes
import jinja2.parser

from digest import urls
from digest.cards import HEIGHT as CARD_HEIGHT
from digest.cards import WIDTH as CARD_WIDTH
from digest.config import Config
from digest.content import Article
from digest.errors import Problem, SiteError, display_path
from digest.i18n import language_name, og_locale, translator
from digest.site import Site
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
        bytecode_cache=_bytecode_cache(config),
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


def _bytecode_cache(config: Config) -> jinja2.BytecodeCache | None:
    """Templates compiled once, kept in .digest-cache/ (by their source's checksum): an edit build, a
    process of its own, would otherwise spend a sixth of a second compiling them again."""
    folder = config.cache_dir / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # (a read-only cache: compiled each time)
    return jinja2.FileSystemBytecodeCache(str(folder))


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
    """Turns a page (template, path, language, context) into bytes: the Jinja environment of the theme
    and what every page is given. It decides nothing about which pages exist (see digest.graph)."""

    def __init__(self, site: Site, salt: str) -> None:
        self.site = site
        self.config = site.config
        self.env, self.uses_site, self.bodies_beyond_own_page = _environment(self.config, salt)
        for extension in self.env.extensions.values():
            if isinstance(extension, FragmentCache):
                extension.fragments.clear()  # fragments live for one build: serve must not pile them up
        self.translators = {code: translator(self.config, code) for code in self.config.language_codes}
        # Every page's navigation leads to the archive of the newest year.
        self.archive = {code: urls.year(code, articles[0].date.year) if articles else None
                        for code, articles in site.articles.items()}

    def site_title(self, code: str) -> str:
        return self.config.language(code).title

    def home_description(self, code: str) -> str:
        """The language's description from config.yaml, else a sentence naming the digest."""
        return self.config.language(code).description or self.translators[code]("home_description",
                                                                                 site=self.site_title(code))

    def share_image(self, article: Article | None = None) -> ShareImage | None:
        """The article's photo, else its social card (config `social_cards`), else the site's default
        image (config `default_image`), if any."""
        image = article.image if article else None
        if image and image.has_picture:
            return ShareImage(image_url(self.config, image.site_path, image.remote_url), image.width, image.height,
                              image.alt)
        if article is not None and self.config.social_cards:
            return ShareImage(self.config.base_url + urls.encode(urls.social_card(article.url)), CARD_WIDTH,
                              CARD_HEIGHT, article.title)
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
        # Google's NewsArticle guidelines want each author with a url that identifies it: the source when its
        # URL is known; otherwise (a byline, a source by name only, neither) the digest, as its publisher.
        if article.source and article.source.url and not article.author:
            data["author"] = {"@type": "Organization", "name": article.source.name, "url": article.source.url}
        else:
            data["author"] = {key: value for key, value in data["publisher"].items() if key != "logo"}
        based_on = [source.url for source in article.sources or (article.source,) if source and source.url]
        if len(based_on) == 1:
            data["isBasedOn"] = based_on[0]  # one source: its URL, as before
        elif based_on:
            data["isBasedOn"] = list(dict.fromkeys(based_on))  # a story from several outlets: every URL
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

    def render_page(self, template: str, path: str, code: str, page: PageContext) -> bytes:
        """A page: its template given the site-wide variables and the page's own context."""
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


def known_environment(config: Config, key: str, uses_site: bool) -> None:
    """Prime _environment with what a saved page graph knows of these templates (`key`: the same salt):
    an edit build need not parse every template to learn again that none reads `site`."""
    if key not in _environments:
        _environments.clear()
        env = make_environment(config)
        _environments[key] = (env, uses_site, shows_bodies_beyond_own_page(env))


def shows_bodies_beyond_own_page(env: jinja2.Environment) -> bool:
    """Whether a template may show an article's body anywhere but on that article's page: anywhere
    `body_html` is written other than as `article.body_html` in article.html (a cautious reading)."""
    loader = env.loader
    assert loader is not None
    for name in loader.list_templates():
        if name.startswith("assets/") or not name.endswith((".html", ".xml", ".txt")):  # fonts/ is binary
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


