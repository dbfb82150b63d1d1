"""Deterministic corpus generator for benchmarks: N articles per language, as a digest, Hugo or Pelican site.

    python bench/gen_corpus.py OUT --articles 1000 [--languages fr,en] [--format digest|hugo|pelican]

The same seed gives the same corpus, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORDS = {
    "fr": ("le la les un une des du de et à en pour sur dans avec par plus moins selon après avant entre "
           "gouvernement ministre accord sommet frontière élection réforme économie énergie climat sécurité "
           "hôpital école région ville pays marché prix salaire grève transport réseau recherche université "
           "annonce mardi mercredi jeudi vendredi samedi dimanche lundi rapport enquête tribunal député sénat "
           "présidente président conseil européenne nationale internationale publique locale nouvelle première "
           "dernière grande petite hausse baisse crise débat projet programme budget milliards millions "
           "habitants citoyens entreprises agriculteurs chercheurs médecins élèves syndicats associations").split(),
    "en": ("the a an of and to in for on with by from after before between more less according "
           "government minister agreement summit border election reform economy energy climate security "
           "hospital school region city country market price wage strike transport network research university "
           "announced Tuesday Wednesday Thursday Friday Saturday Sunday Monday report inquiry court lawmaker "
           "senate president council European national international public local new first last large small "
           "rise fall crisis debate project programme budget billion million residents citizens companies "
           "farmers researchers doctors pupils unions associations").split(),
    "ar": ("في من إلى على عن مع بعد قبل بين أكثر أقل وفقا الحكومة الوزير اتفاق قمة الحدود الانتخابات إصلاح "
           "الاقتصاد الطاقة المناخ الأمن المستشفى المدرسة المنطقة المدينة البلد السوق الأسعار الأجور إضراب النقل "
           "الشبكة البحث الجامعة أعلن الثلاثاء الأربعاء الخميس الجمعة السبت الأحد الاثنين تقرير تحقيق المحكمة "
           "النائب المجلس الرئيس الأوروبي الوطني الدولي العام المحلي جديد الأول الأخير ارتفاع انخفاض أزمة نقاش "
           "مشروع برنامج الميزانية مليار مليون السكان المواطنين الشركات المزارعين الباحثين الأطباء").split(),
}
TAG_STEMS = ("Économie Énergie Écologie Santé Sécurité Transports Éducation Culture Sport Justice Agriculture "
             "Numérique Défense Diplomatie Élections Médias Industrie Logement Emploi Sciences Espace Océans "
             "Forêts Eau Climat Migrations Tourisme Finances Commerce Télécoms").split()
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
            yield lang, index, fields, body(rng, lang)


def write_digest(out: Path, count: int, languages: list[str]) -> None:
    codes = {"fr": ("Revue de presse", "fr_FR"), "en": ("News Digest", "en_GB"), "ar": ("موجز الأخبار", "ar")}
    config = ["title: Bench Digest", "base_url: https://example.org/bench/", f"default_language: {languages[0]}",
              "languages:"]
    config += [f"  {code}: {{title: {json.dumps(codes[code][0], ensure_ascii=False)}, locale: {codes[code][1]}}}"
               for code in languages]
    config += ["per_page: 10", "timezone: Europe/Paris", "search: false", ""]
    (out / "config.yaml").write_text("\n".join(config), encoding="utf-8")
    for lang, index, fields, text in articles(count, languages):
        path = out / "content" / lang / fields["date"][:4] / f"story-{index:06d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
        path.write_text(f"---\n{front}\n---\n{text}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000, help="articles per language")
    parser.add_argument("--languages", default="fr,en")
    parser.add_argument("--format", choices=["digest"], default="digest")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write_digest(args.out, args.articles, args.languages.split(","))


if __name__ == "__main__":
    main()
