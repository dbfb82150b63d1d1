"""`digest serve` edit latency: saved file -> edited page served over HTTP, and -> search index holding the edit.

    python bench/serve_latency.py --articles 1000 --edits 5 [--work DIR] [--digest PATH]

Generates (or reuses) a corpus with gen_corpus.py (fr + en), starts `digest serve` with no output and no
cache, then per round makes a body edit and a title edit of one article (the machinery of bench/run.py):
the page is polled over HTTP every 2 ms until it shows the edit; the search index is polled on disk (the
served folder's new Pagefind fragments) until one holds the edit. Prints each edit and the medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
import urllib.request
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    ArticleEditor,
    DigestServe,
    ServedPage,
    body_edit,
    clear_digest,
    corpus,
    edited_article,
    free_port,
    title_edit,
    wait_for,
)


def served(url: str, text: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return text.encode() in response.read()
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles per language")
    parser.add_argument("--edits", type=int, default=5, help="rounds of one body and one title edit")
    parser.add_argument("--work", type=Path, default=Path("/tmp/digest-serve-latency"))
    parser.add_argument("--digest", default=shutil.which("digest") or "digest")
    args = parser.parse_args()
    languages = ["fr", "en"]
    site = corpus(args.work, args.articles, languages, "digest")
    clear_digest(site)
    port = free_port()
    page_ms: dict[str, list[float]] = {"body": [], "title": []}
    search_ms: dict[str, list[float]] = {"body": [], "title": []}
    with ArticleEditor(edited_article(site, args.articles, languages)) as article, \
            DigestServe(args.digest, site, port, args.work / "serve.log") as server:
        print(f"serving after {server.wait_answering(600):.1f} s", file=sys.stderr, flush=True)
        page = ServedPage.find(site / ".digest-cache" / "serve", languages[0], article.path.stem)
        with urllib.request.urlopen(server.url, timeout=5) as response:  # the root leads to base_url's path
            url = response.geturl() + page.url
        time.sleep(2)  # let the watcher settle after the first build
        for number in range(1, args.edits + 1):
            stamp = f"{number} {time.time_ns()}"
            marker, title = f"Serve correction {stamp}.", f"Serve title {stamp}"
            body = body_edit(article.text, marker)
            for kind, text, shown in (("body", body, marker), ("title", title_edit(body, title), title)):
                written = time.perf_counter()
                article.write(text)
                wait_for(partial(served, url, shown), f"{kind} edit {number}: page over HTTP", 30, 0.002)
                page_ms[kind].append((time.perf_counter() - written) * 1000)
                wait_for(partial(page.indexed, kind, shown), f"{kind} edit {number}: search index", 120, 0.01)
                search_ms[kind].append((time.perf_counter() - written) * 1000)
                print(f"  {kind} edit {number}: page {page_ms[kind][-1]:.0f} ms, search {search_ms[kind][-1]:.0f} ms",
                      file=sys.stderr, flush=True)
                time.sleep(1.0 + 0.137 * number)  # different phases against the watcher
    for kind in ("body", "title"):
        print(f"{kind}: page served {statistics.median(page_ms[kind]):.0f} ms, search index "
              f"{statistics.median(search_ms[kind]):.0f} ms (medians of {args.edits})")


if __name__ == "__main__":
    main()
