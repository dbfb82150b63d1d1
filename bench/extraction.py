"""Article extraction on the ScrapingHub benchmark: `digest import` against trafilatura alone.

    .venv/bin/python bench/extraction.py ../shared/extraction-benchmark [--limit N] [--worst 10]

For every page `html/<id>.html.gz` of the benchmark, runs `digest import <page> --lang en --force --dry-run`
in a scratch site (the command itself, through its click entry point, so every page is read as an editor's
import would read it), takes the body of the article it would write (Markdown rendered, then as plain text),
and scores it against the page's expected `articleBody` with the benchmark's metric (token 4-shingles;
precision and recall are means over pages, F1 is of those means). trafilatura's own `extract()` (its
defaults) is scored on the same pages in the same run. The data is read where it lies; nothing is copied.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura
from click.testing import CliRunner
from markdown_it import MarkdownIt

from digest.cli import main

CONFIG = "title: Bench\nbase_url: https://bench.example/\ndefault_language: en\nlanguages: {en: {title: Bench}}\n"


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text)
    if len(tokens) < 4:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def score(expected: str, predicted: str) -> tuple[float, float]:
    """(precision, recall) of one page, as the benchmark counts them."""
    truth, got = shingles(expected), shingles(predicted)
    tp = sum((truth & got).values())
    fp = sum((got - truth).values())
    fn = sum((truth - got).values())
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    total = tp + fp + fn
    tp, fp, fn = tp / total, fp / total, fn / total
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def body_text(markdown: str) -> str:
    """The article body a reader sees, as plain text (link targets and Markdown marks left out)."""
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    if not html.strip():
        return ""
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    return "\n".join(block.text_content() for block in tree) or tree.text_content()


def digest_body(site: Path, page: Path) -> str:
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(page), "--lang", "en", "--force", "--dry-run",
                                  "--config", str(site / "config.yaml")])
    text = result.stdout
    parts = text.split("\n---\n", 2)  # "would write PATH:", the front matter, the body and the report
    if result.exit_code != 0 or len(parts) < 3:
        return ""
    article = parts[2]
    article = article.split("\n  from ", 1)[0]  # the report follows the article
    return body_text(article)


def trafilatura_body(html: str) -> str:
    return trafilatura.extract(html) or ""


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmark", type=Path, help="the benchmark folder (ground-truth.json and html/)")
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--worst", type=int, default=0, help="list the N pages where digest scores lowest")
    args = parser.parse_args(argv)
    truth = json.loads((args.benchmark / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[: args.limit]
    tools: dict[str, Callable[[Path, str], str]] = {}
    results: dict[str, list[tuple[str, float, float]]] = {"digest import": [], "trafilatura": []}
    timings = {"digest import": 0.0, "trafilatura": 0.0}
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        (site / "content/en").mkdir(parents=True)
        (site / "config.yaml").write_text(CONFIG, encoding="utf-8")
        pages = Path(scratch) / "pages"
        pages.mkdir()
        tools["digest import"] = lambda page, html: digest_body(site, page)
        tools["trafilatura"] = lambda page, html: trafilatura_body(html)
        for number, page_id in enumerate(ids, start=1):
            data = gzip.decompress((args.benchmark / "html" / f"{page_id}.html.gz").read_bytes())
            page = pages / f"{page_id}.html"
            page.write_bytes(data)
            html = data.decode("utf-8", errors="replace")
            for name, tool in tools.items():
                start = time.perf_counter()
                predicted = tool(page, html)
                timings[name] += time.perf_counter() - start
                results[name].append((page_id, *score(truth[page_id]["articleBody"], predicted)))
            page.unlink()
            print(f"\r{number}/{len(ids)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"{len(ids)} pages of {args.benchmark.name}\n")
    print("| extractor | F1 | precision | recall | seconds |")
    print("| --- | --- | --- | --- | --- |")
    for name, rows in results.items():
        precision = sum(r[1] for r in rows) / len(rows)
        recall = sum(r[2] for r in rows) / len(rows)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"| {name} | {f1:.3f} | {precision:.3f} | {recall:.3f} | {timings[name]:.0f} |")
    theirs_recall = {r[0]: r[2] for r in results["trafilatura"]}
    less = [r for r in results["digest import"] if r[2] < theirs_recall[r[0]] - 0.02]
    more = [r for r in results["digest import"] if r[2] > theirs_recall[r[0]] + 0.02]
    print(f"\npages where digest keeps less of the expected text than trafilatura (recall lower by > 0.02): "
          f"{len(less)}; more: {len(more)}")
    if args.worst:
        print("\nlowest digest pages (id, precision, recall; trafilatura's):")
        theirs = {r[0]: r for r in results["trafilatura"]}
        for page_id, precision, recall in sorted(results["digest import"], key=lambda r: r[1] + r[2])[: args.worst]:
            print(f"  {page_id[:12]} {precision:.2f} {recall:.2f}  ({theirs[page_id][1]:.2f} {theirs[page_id][2]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
