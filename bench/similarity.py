"""Precision and recall of story clusters on the labelled wire copy in tests/data/similarity/.

    python bench/similarity.py [--threshold 0.5]
    python bench/similarity.py --site DIR     # time `digest status`'s duplicate search on a site


Every pair of texts of one language is a question: same story or not. Items with the same `story`
label should match; every other pair must not. Prints the scores of the closest pairs either side
and precision and recall at digest's threshold (or the one given), then at a few others.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path
from typing import Any

import yaml

from digest import similarity

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "similarity"


def load_labelled(folder: Path = DATA) -> list[dict[str, Any]]:
    """The labelled items, each with its `lang`, `title` and full `text` (variants built from their base)."""
    items: list[dict[str, Any]] = []
    for file in sorted(folder.glob("*.yaml")):
        entries = yaml.safe_load(file.read_text(encoding="utf-8"))
        by_id = {entry["id"]: entry for entry in entries}
        for entry in entries:
            text = entry.get("text")
            if text is None:  # another outlet's copy: its lead, the base's other paragraphs, cut or added to
                paragraphs = [p for p in by_id[entry["of"]]["text"].split("\n\n") if p.strip()][1:]
                paragraphs = paragraphs[: len(paragraphs) - entry.get("cut", 0)] + entry.get("add", [])
                text = "\n\n".join([entry["lead"], *paragraphs])
            items.append({**entry, "lang": file.stem, "text": text})
    return items


def scored_pairs(items: list[dict[str, Any]]) -> list[tuple[float, bool, str, str]]:
    """(similarity, same story?, id, id) for every pair of one language."""
    prints = {item["id"]: similarity.fingerprint(item["title"], item["text"]) for item in items}
    pairs = []
    for a, b in itertools.combinations(items, 2):
        if a["lang"] == b["lang"]:
            one, other = prints[a["id"]], prints[b["id"]]
            # as digest.similarity.same_story decides, but with the score below the threshold kept
            score = similarity.similarity(one, other) if len(one & other) >= similarity.MIN_SHARED else 0.0
            pairs.append((score, a["story"] == b["story"], a["id"], b["id"]))
    return pairs


def measure(pairs: list[tuple[float, bool, str, str]], threshold: float) -> tuple[float, float, int, int, int]:
    found = [p for p in pairs if p[0] >= threshold]
    true = sum(1 for p in found if p[1])
    positives = sum(1 for p in pairs if p[1])
    precision = true / len(found) if found else 1.0
    return precision, true / positives if positives else 1.0, true, len(found) - true, positives - true


def time_status(folder: Path) -> None:
    """CPU time of `digest status`'s duplicate search (the articles loaded as status loads them, not timed)."""
    from digest.config import load_config
    from digest.content import ArticleCache, load_articles
    from digest.status import duplicates

    config = load_config(folder / "config.yaml")
    started = time.process_time()
    articles = load_articles(config, ArticleCache.load(config.cache_dir / "articles"))
    loaded = time.process_time()
    found = duplicates(articles)
    done = time.process_time()
    print(f"{len(articles)} articles: loaded in {loaded - started:.2f} s CPU, probable duplicates "
          f"({len(found)} pairs) found in {done - loaded:.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=similarity.THRESHOLD)
    parser.add_argument("--site", type=Path, help="a site folder (e.g. from bench/gen_corpus.py): time the search "
                        "for probable duplicates over its articles")
    args = parser.parse_args()
    if args.site is not None:
        time_status(args.site)
        return
    items = load_labelled()
    pairs = scored_pairs(items)
    for lang in sorted({item["lang"] for item in items}):
        ids = {item["id"] for item in items if item["lang"] == lang}
        mine = [p for p in pairs if p[2] in ids]
        same = [p for p in mine if p[1]]
        other = [p for p in mine if not p[1]]
        print(f"{lang}: {len(ids)} texts, {len(same)} same-story pairs, {len(other)} different-story pairs; "
              f"lowest same story {min(p[0] for p in same):.2f}, highest different stories "
              f"{max(p[0] for p in other):.2f} ({max(other)[2]} / {max(other)[3]})")
    for threshold in sorted({args.threshold, 0.3, 0.4, 0.5, 0.6, 0.7}):
        precision, recall, true, false, missed = measure(pairs, threshold)
        mark = "  <- digest" if threshold == args.threshold else ""
        print(f"threshold {threshold:.2f}: precision {precision:.3f}, recall {recall:.3f} "
              f"({true} found, {false} wrong, {missed} missed){mark}")


if __name__ == "__main__":
    main()
