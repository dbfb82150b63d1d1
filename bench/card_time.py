"""CPU time of drawing social cards (digest/cards.py) for the articles without a photo of gen_corpus.py.

    python bench/card_time.py [--cards 600] [--no-reuse] [--profile]

Draws the cards in one process, as a build's worker does, and prints the CPU milliseconds per card
(`time.process_time`) and a digest of all the PNG bytes (the same on every run). `--no-reuse` forgets
the title words rendered after each card: the cost when no two titles share a word (gen_corpus.py's
vocabulary is small, real titles share fewer words than its). `--profile` prints cProfile's top entries.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import time
from datetime import datetime
from pathlib import Path

from babel.dates import format_date
from gen_corpus import LANGUAGE_NAMES, articles

from digest import cards
from digest.config import load_config

REPO = Path(__file__).resolve().parent.parent


def corpus_cards(count: int) -> list[cards.Card]:
    found = []
    for lang, _, fields, _ in articles(count, ["fr", "en", "ar"]):
        if not fields["image"].get("src"):
            day = datetime.fromisoformat(fields["date"])
            found.append(cards.Card(title=fields["title"], site_title=LANGUAGE_NAMES[lang][0],
                                    date=format_date(day, "long", locale=lang), section=fields["section"],
                                    lang=lang, rtl=lang == "ar"))
    return found[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=600)
    parser.add_argument("--no-reuse", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    theme = cards.theme(load_config(REPO / "config.yaml"))
    drawn = corpus_cards(args.cards)
    cards.draw(drawn[0], theme)  # fonts loaded, as in a worker that has drawn a card
    profile = cProfile.Profile() if args.profile else None
    start = time.process_time()
    if profile:
        profile.enable()
    images = []
    for card in drawn:
        images.append(cards.draw(card, theme))
        if args.no_reuse:
            cards._word.cache_clear()
    if profile:
        profile.disable()
    elapsed = time.process_time() - start
    digest = hashlib.sha256(b"".join(images)).hexdigest()[:16]
    print(f"{len(drawn)} cards (fr, en, ar): {elapsed / len(drawn) * 1000:.2f} ms of CPU per card, "
          f"{sum(map(len, images)) / len(images) / 1024:.1f} KB on average, bytes {digest}")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
