"""Deterministic corpus generator for benchmarks: N articles per language, as a digest, Hugo or Pelican site.

    python bench/gen_corpus.py OUT --articles 1000 [--languages fr,en] [--format digest|hugo|pelican]

The same seed gives the same corpus, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORDS = {
    "fr": ("le la les un une des du de et à en pour sur dans avec par plus moins selon après avant entre "
           "gouvernement ministre accord sommet frontière élection réforme économie énergie climat sécurité "
           "hôpital école région ville pays marché prix salaire grève transport réseau recherche université "
           "annonce mardi mercredi jeudi vendredi samedi dimanche lundi rapport enquête tribunal député sénat "
           "présidente président conseil européenne nationale internationale publique locale nouvelle première "
           "dernière grande petite hausse baisse crise débat projet programme budget milliards millions "
           "habitants citoyens entreprises agriculteurs chercheurs médecins élèves syndicats associations"),
    "en": ("the a an of and to in for on with by from after before between more less according "
           "government minister agreement summit border election reform economy energy climate security "
           "hospital school region city country market price wage strike transport network research university "
           "announced Tuesday Wednesday Thursday Friday Saturday Sunday Monday report inquiry court lawmaker "
           "senate president council European national international public local new first last large small "
           "rise fall crisis debate project programme budget billion million residents citizens companies "
           "farmers researchers doctors pupils unions associations"),
    "ar": ("في من إلى على عن مع بعد قبل بين أكثر أقل وفقا الحكومة الوزير اتفاق قمة الحدود الانتخابات إصلاح "
           "الاقتصاد الطاقة المناخ الأمن المستشفى المدرسة المنطقة المدينة البلد السوق الأسعار الأجور إضراب النقل "
           "الشبكة البحث الجامعة أعلن الثلاثاء الأربعاء الخميس الجمعة السبت الأحد الاثنين تقرير تحقيق المحكمة "
           "النائب المجلس الرئيس الأوروبي الوطني الدولي العام المحلي جديد الأول الأخير ارتفاع انخفاض أزمة نقاش "
           "مشروع برنامج الميزانية مليار مليون السكان المواطنين الشركات المزارعين الباحثين الأطباء"),
}
WORDS = {lang: text.split() for lang, text in WORDS.items()}
_TAG_STEMS = ("Économie Énergie Écologie Santé Sécurité Transports Éducation Culture Sport Justice Agriculture "
              "Numérique Défense Diplomatie Élections Médias Industrie Logement Emploi Sciences Espace Océans "
              "Forêts Eau Climat Migrations Tourisme Finances Commerce Télécoms")
TAG_STEMS = _TAG_STEMS.split()
SECTIONS = {"fr": ["International", "Économie", "Sciences", "Culture", "Sport", "Santé"],
            "en": ["World", "Business", "Science", "Culture", "Sport", "Health"],
            "ar": ["دولي", "اقتصاد", "علوم", "ثقافة", "رياضة", "صحة"]}
SOURCES = ["Le Courrier du Matin", "Gazette des Alpes", "The Morning Ledger", "Daily Meridian", "Nouvelles du Sud"]


def tag_pool(lang: str) -> list[str]:
    """A few hundred tags: stems with regions, accents included."""
    regions = {"fr": ["Europe", "Afrique", "Asie", "Amériques", "Moyen-Orient", "Océanie", "Arctique", "Méditerranée",
                      "Balkans", "Sahel"],
               "en": ["Europe", "Africa", "Asia", "Americas", "Middle East", "Oceania", "Arctic", "Mediterranean",
                      "Balkans", "Sahel"],
               "ar": ["أوروبا", "أفريقيا", "آسيا", "الأمريكتان", "الشرق الأوسط", "أوقيانوسيا", "القطب الشمالي",
                      "المتوسط", "البلقان", "الساحل"]}[lang]
    return [f"{stem} {region}" for stem in TAG_STEMS for region in regions]


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    text = " ".join(rng.choice(words) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def body(rng: random.Random, lang: str) -> str:
    words = WORDS[lang]
    parts = []
    target = rng.randint(400, 900)
    count = 0
    while count < target:
        kind = rng.random()
        if kind < 0.08:
            parts.append("## " + sentence(rng, words, rng.randint(3, 7))[:-1])
        elif kind < 0.14:
            parts.append("> " + sentence(rng, words, rng.randint(12, 25)))
        elif kind < 0.18:
            parts.append("\n".join(f"- {sentence(rng, words, rng.randint(4, 10))}" for _ in range(rng.randint(3, 5))))
        elif kind < 0.20:
            rows = [f"| {rng.choice(words)} | {rng.randint(1, 999)} | {rng.randint(1, 99)} % |" for _ in range(4)]
            parts.append("| item | value | share |\n|---|---:|---:|\n" + "\n".join(rows))
        else:
            sentences = [sentence(rng, words, rng.randint(8, 22)) for _ in range(rng.randint(2, 5))]
            para = " ".join(sentences)
            if rng.random() < 0.3:
                para += f" [{rng.choice(words)}](https://example.com/{rng.randint(1, 10**6)})"
            if rng.random() < 0.3:
                para = para.replace(" ", f" *{rng.choice(words)}* ", 1)
            parts.append(para)
        count += len(parts[-1].split())
    return "\n\n".join(parts)


def articles(count: int, languages: list[str], seed: int = 7):
    """Yield (lang, index, fields dict, body) for every article, translations sharing key and date."""
    start = datetime(2021, 1, 1, 6, 0, tzinfo=timezone(timedelta(hours=2)))
    for index in range(count):
        base = random.Random(seed * 1_000_003 + index)
        date = start + timedelta(minutes=base.randint(0, 60 * 24 * 365 * 4))
        key = f"story-{index:06d}"
        tag_indexes = base.sample(range(len(TAG_STEMS) * 10), base.randint(2, 5))
        for lang in languages:
            rng = random.Random(f"{seed}-{index}-{lang}")
            words = WORDS[lang]
            pool = tag_pool(lang)
            title = sentence(rng, words, rng.randint(6, 12))[:-1]
            fields = {
                "title": title,
                "date": date.isoformat(),
                "source": {"name": SOURCES[index % len(SOURCES)], "url": f"https://example.com/{lang}/{index}"},
                "image": {"caption": sentence(rng, words, 10), "credit": rng.choice(["AFP", "Reuters", "AP"])},
                "tags": [pool[i] for i in tag_indexes],
                "section": SECTIONS[lang][index % len(SECTIONS[lang])],
                "summary": sentence(rng, words, 25),
                "translation_key": key,
            }
            if index % 3:  # two articles in three have a photo (remote: no file to copy or resize)
                fields["image"] = {"src": f"https://example.com/photos/{lang}/{index}.jpg", **fields["image"]}
            yield lang, index, fields, body(rng, lang)


BENCH_DIR = Path(__file__).resolve().parent
LANGUAGE_NAMES = {"fr": ("Revue de presse", "fr_FR"), "en": ("News Digest", "en_GB"), "ar": ("موجز الأخبار", "ar")}
FORMATS = ("digest", "hugo", "pelican")


def article_file(lang: str, index: int, fields: dict) -> str:
    """The same relative path in every format: content/<lang>/<yyyy>/story-NNNNNN.md."""
    return f"content/{lang}/{fields['date'][:4]}/story-{index:06d}.md"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _yaml(fields: dict) -> str:
    """Front matter: JSON values are valid YAML, and quote everything that needs it."""
    return "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())


def _copy_theme(theme: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(theme, target)


def write_digest(out: Path, count: int, languages: list[str]) -> None:
    config = ["title: Bench Digest", "base_url: https://example.org/bench/", f"default_language: {languages[0]}",
              "languages:"]
    config += [f"  {code}: {{title: {json.dumps(LANGUAGE_NAMES[code][0], ensure_ascii=False)}, "
               f"locale: {LANGUAGE_NAMES[code][1]}}}" for code in languages]
    config += ["per_page: 10", "timezone: Europe/Paris", ""]  # the default config: search on
    _write(out / "config.yaml", "\n".join(config))
    for lang, index, fields, text in articles(count, languages):
        _write(out / article_file(lang, index, fields), f"---\n{_yaml(fields)}\n---\n{text}\n")


def write_hugo(out: Path, count: int, languages: list[str]) -> None:
    """A multilingual Hugo site: one content folder per language, tags, pagination 10, RSS on home and tags."""
    config = [
        'baseURL = "https://example.org/bench/"',
        'title = "Bench Digest"',
        'theme = "bench"',
        f'defaultContentLanguage = "{languages[0]}"',
        "defaultContentLanguageInSubdir = true",
        'timeZone = "Europe/Paris"',
        "",
        "[pagination]",
        "pagerSize = 10",
        "",
        "[taxonomies]",
        'tag = "tags"',
        "",
        "[outputs]",
        'home = ["html", "rss"]',
        'section = ["html"]',
        'taxonomy = ["html"]',
        'term = ["html", "rss"]',
        "",
        "[services.rss]",
        "limit = 20  # digest's feeds hold the latest 20 too",
        "",
    ]
    for weight, code in enumerate(languages, start=1):
        title = LANGUAGE_NAMES[code][0]
        config += [f"[languages.{code}]", f"title = {json.dumps(title, ensure_ascii=False)}", f"weight = {weight}",
                   f'contentDir = "content/{code}"', ""]
    _write(out / "hugo.toml", "\n".join(config))
    _copy_theme(BENCH_DIR / "hugo-theme", out / "themes" / "bench")
    for lang, index, fields, text in articles(count, languages):
        front = {"title": fields["title"], "date": fields["date"], "translationKey": fields["translation_key"],
                 "tags": fields["tags"], "summary": fields["summary"], "source": fields["source"],
                 "image": fields["image"], "rubric": fields["section"]}  # `section` means something else to Hugo
        _write(out / article_file(lang, index, fields), f"---\n{_yaml(front)}\n---\n{text}\n")


def write_pelican(out: Path, count: int, languages: list[str]) -> None:
    """A Pelican site: translations paired by Slug + Lang, tags, pagination 10, Atom feeds."""
    config = f"""# Pelican settings for the digest benchmark (written by bench/gen_corpus.py).
AUTHOR = "Bench"
SITENAME = "Bench Digest"
SITEURL = "https://example.org/bench"
FEED_DOMAIN = SITEURL
PATH = "content"
THEME = "theme"
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "{languages[0]}"
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{{url}}", "{{save_as}}"),
    (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"),
)
ARTICLE_URL = ARTICLE_LANG_URL = "{{lang}}/{{date:%Y}}/{{date:%m}}/{{slug}}/"
ARTICLE_SAVE_AS = ARTICLE_LANG_SAVE_AS = "{{lang}}/{{date:%Y}}/{{date:%m}}/{{slug}}/index.html"
TAG_URL = "tags/{{slug}}/"
TAG_SAVE_AS = "tags/{{slug}}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
DIRECT_TEMPLATES = ["index", "tags"]
USE_FOLDER_AS_CATEGORY = False
CATEGORY_SAVE_AS = CATEGORIES_SAVE_AS = AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ARCHIVES_SAVE_AS = ""
FEED_ALL_ATOM = "feeds/all.atom.xml"
TRANSLATION_FEED_ATOM = "feeds/all-{{lang}}.atom.xml"
TAG_FEED_ATOM = "feeds/tag/{{slug}}.atom.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 20  # digest's feeds hold the latest 20 too
STATIC_PATHS = []
LOAD_CONTENT_CACHE = False
"""
    _write(out / "pelicanconf.py", config)
    _copy_theme(BENCH_DIR / "pelican-theme", out / "theme")
    for lang, index, fields, text in articles(count, languages):
        meta = {"Title": fields["title"], "Date": fields["date"], "Tags": ", ".join(fields["tags"]), "Lang": lang,
                "Slug": fields["translation_key"], "Summary": fields["summary"],
                "Source": fields["source"]["name"], "Source_url": fields["source"]["url"],
                "Image_caption": fields["image"]["caption"], "Image_credit": fields["image"]["credit"],
                "Section": fields["section"], "Translation_key": fields["translation_key"]}
        header = "\n".join(f"{key}: {value}" for key, value in meta.items())
        _write(out / article_file(lang, index, fields), f"{header}\n\n{text}\n")


WRITERS = {"digest": write_digest, "hugo": write_hugo, "pelican": write_pelican}


def generate(out: Path, count: int, languages: list[str], fmt: str = "digest") -> None:
    out.mkdir(parents=True, exist_ok=True)
    WRITERS[fmt](out, count, languages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000, help="articles per language")
    parser.add_argument("--languages", default="fr,en")
    parser.add_argument("--format", choices=FORMATS, default="digest",
                        help="digest (config.yaml), hugo (hugo.toml, themes/bench) or pelican (pelicanconf.py, theme/)")
    args = parser.parse_args()
    generate(args.out, args.articles, args.languages.split(","), args.format)


if __name__ == "__main__":
    main()
