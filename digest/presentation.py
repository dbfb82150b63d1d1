"""What each page says of itself: its title, description, language versions and switcher links, and
the values its template is given. Which pages exist and what they depend on is decided by
digest.graph, which calls this module only for a page being rendered (or listed in the sitemap);
digest.render turns a page and its context into bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from digest import urls
from digest.content import Article
from digest.render import PageContext, Renderer
from digest.site import Edition, Page, Site, Tag


class Presentation:
    """The page contexts of one site. `full` gives an article with its body (see graph.PageGraph)."""

    def __init__(self, site: Site, renderer: Renderer, full: Callable[[Article], Article]) -> None:
        self.site = site
        self.config = site.config
        self.renderer = renderer
        self.full = full
        self.translators = renderer.translators
        self.site_title = renderer.site_title
        # Which tags and dates each language has: where its switcher leads.
        self.tag_slugs = {code: {tag.slug for tag in tags} for code, tags in site.tags.items()}
        self.days = {code: {e.day for e in editions} for code, editions in site.editions.items()}
        self.months = {code: {(d.year, d.month) for d in days} for code, days in self.days.items()}
        self.years = {code: {d.year for d in days} for code, days in self.days.items()}

    def root(self) -> PageContext:
        config = self.config
        return PageContext(title=config.title, description=self.renderer.home_description(config.default_language))

    def not_found(self) -> PageContext:
        t = self.translators[self.config.default_language]
        return PageContext(title=t("not_found_title"), description=t("not_found_text"))

    def home(self, code: str, page: Page) -> PageContext:
        t = self.translators[code]
        site_title = self.site_title(code)
        description = self.renderer.home_description(code)
        if page.number == 1:
            alternates = tuple((c, urls.home(c)) for c in self.config.language_codes)
            return PageContext(title=site_title, alternates=alternates, values=lambda: {"page": page},
                               description=description)
        page_of = t("page_of", page=page.number, pages=page.count)
        return PageContext(title=f"{site_title} – {page_of}", values=lambda: {"page": page},
                           description=f"{description.rstrip('.')} – {page_of}")

    def article(self, article: Article, translations: tuple[Article, ...], related: tuple[Article, ...]) \
            -> PageContext:
        versions = sorted((article, *translations), key=lambda a: self.config.language_codes.index(a.lang))
        return PageContext(
            title=f"{article.title} – {self.site_title(article.lang)}",
            alternates=tuple((a.lang, a.url) for a in versions) if translations else (),
            switch_to={a.lang: a.url for a in translations},
            lastmod=article.modified,
            values=lambda: {"article": self.full(article), "translations": translations, "related": related,
                            "json_ld": self.renderer.json_ld(article),
                            "share_image": self.renderer.share_image(article)},
        )

    def tag_index(self, code: str, tags: tuple[Tag, ...]) -> PageContext:
        alternates = tuple((c, urls.tag_index(c)) for c in self.config.language_codes)
        return PageContext(title=f"{self.translators[code]('tags')} – {self.site_title(code)}",
                           alternates=alternates, switch_to=dict(alternates), values=lambda: {"tags": tags},
                           description=self.translators[code]("tags_description", site=self.site_title(code)))

    def tag(self, tag: Tag, page: Page) -> PageContext:
        t = self.translators[tag.lang]
        feed_url = urls.tag_feed(tag.lang, tag.slug)
        title = t("tag_title", tag=tag.name)
        description = t("tag_description", tag=tag.name, site=self.site_title(tag.lang),
                        articles=t("article_count", count=len(tag.articles)))
        if page.number > 1:
            title += f" – {t('page_of', page=page.number, pages=page.count)}"
            description = f"{description.rstrip('.')} – {t('page_of', page=page.number, pages=page.count)}"
        switch_to = {c: urls.tag(c, tag.slug) if tag.slug in self.tag_slugs[c] else urls.tag_index(c)
                     for c in self.config.language_codes}
        return PageContext(title=f"{title} – {self.site_title(tag.lang)}", switch_to=switch_to,
                           values=lambda: {"tag": tag, "page": page, "feed_url": feed_url},
                           description=description)

    def edition(self, code: str, edition: Edition, older: Edition | None, newer: Edition | None) -> PageContext:
        t = self.translators[code]
        day = edition.day
        site_title = self.site_title(code)
        feed_url = urls.editions_feed(code)
        same_day = {c: urls.edition(c, day) for c in self.config.language_codes if day in self.days[c]}
        return PageContext(
            title=f"{t('edition_title', date=t.date(day))} – {site_title}",
            alternates=tuple(same_day.items()), switch_to=self.date_switch(same_day, day.year),
            values=lambda: {"edition": edition, "sections": edition.sections(t("other_news")),
                            "older": older, "newer": newer, "feed_url": feed_url},
            description=t("edition_description", date=t.date(day), site=site_title,
                          articles=t("article_count", count=len(edition.articles))))

    def month(self, code: str, year: int, month: int, days: list[Edition]) -> PageContext:
        t = self.translators[code]
        site_title = self.site_title(code)
        feed_url = urls.editions_feed(code)
        first_day = days[0].day.replace(day=1)
        same_month = {c: urls.month(c, year, month) for c in self.config.language_codes
                      if (year, month) in self.months[c]}
        return PageContext(
            title=f"{t.month(first_day)} – {site_title}",
            alternates=tuple(same_month.items()), switch_to=self.date_switch(same_month, year),
            values=lambda: {"month": first_day, "editions": tuple(days), "feed_url": feed_url},
            description=t("month_description", month=t.month(first_day), site=site_title,
                          articles=t("article_count", count=sum(len(e.articles) for e in days))))

    def year(self, code: str, year: int, month_counts: list[tuple[date, int]]) -> PageContext:
        t = self.translators[code]
        site_title = self.site_title(code)
        feed_url = urls.editions_feed(code)
        same_year = {c: urls.year(c, year) for c in self.config.language_codes if year in self.years[c]}
        return PageContext(
            title=f"{year} – {site_title}",
            alternates=tuple(same_year.items()), switch_to=self.date_switch(same_year, year),
            values=lambda: {"year": year, "months": tuple(month_counts), "feed_url": feed_url},
            description=t("year_description", year=str(year), site=site_title,
                          articles=t("article_count", count=sum(n for _, n in month_counts))))

    def date_switch(self, same: Mapping[str, str], year: int) -> dict[str, str]:
        """The same day or month in each language, else that language's page for the year, else its home."""
        return {c: same.get(c) or (urls.year(c, year) if year in self.years[c] else urls.home(c))
                for c in self.config.language_codes}
