"""`digest serve` edit latency: saved file -> edited page served over HTTP, -> search index holding the edit,
-> the site's search box in Chromium finding it.

    python bench/serve_latency.py --articles 1000 --edits 5 [--work DIR] [--digest PATH]

Generates (or reuses) a corpus with gen_corpus.py (fr + en), starts `digest serve` with no output and no
cache, then per round makes a body edit and a title edit of one article (the machinery of bench/run.py):
the page is polled over HTTP every 2 ms until it shows the edit; the search index is polled on disk (the
served folder's new Pagefind fragments) until one holds the edit; then the article's page is loaded in
headless Chromium and the edit's new word typed into its search box, again on a fresh load until the box
lists the article (with the new title, for a title edit); and whether a tab left open on the page, reloaded
by serve, finds it when the word is typed at once (bench/README.md says how). Prints each edit and the
medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    ArticleEditor,
    DigestServe,
    ServeResult,
    clear_digest,
    corpus,
    edited_article,
    free_port,
    serve_edits,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles per language")
    parser.add_argument("--edits", type=int, default=5, help="rounds of one body and one title edit")
    parser.add_argument("--work", type=Path, default=Path("/tmp/digest-serve-latency"))
    beside = Path(sys.executable).parent / "digest"  # the environment's own, as bench/run.py runs
    parser.add_argument("--digest", default=str(beside) if beside.is_file() else shutil.which("digest") or "digest")
    args = parser.parse_args()
    languages = ["fr", "en"]
    site = corpus(args.work, args.articles, languages, "digest")
    clear_digest(site)
    result = ServeResult(args.articles)
    with ArticleEditor(edited_article(site, args.articles, languages)) as article, \
            DigestServe(args.digest, site, free_port(), args.work / "serve.log") as server:
        print(f"serving after {server.wait_answering(600):.1f} s", file=sys.stderr, flush=True)
        serve_edits(result, site, server, languages[0], article, args.edits)
    for kind in ("body", "title"):
        box = (f"search box in Chromium {statistics.median(result.box_ms[kind]):.0f} ms"
               if result.box_ms[kind] else f"search box not measured: {result.box_error}")
        print(f"{kind}: page served {statistics.median(result.page_ms[kind]):.0f} ms, search index on disk "
              f"{statistics.median(result.search_ms[kind]):.0f} ms, {box} (medians of {args.edits})")
    for kind in ("body", "title"):
        if result.tab_ms[kind]:
            hits = [ms for ms in result.tab_ms[kind] if ms is not None]
            print(f"{kind}: a tab left open (reloaded by serve, the word typed at once) found it in {len(hits)} of "
                  f"{len(result.tab_ms[kind])} edits" + (f", median {statistics.median(hits):.0f} ms" if hits else ""))
    if result.box_attempt_ms:
        print(f"the search box's last page load, typing and results: {statistics.median(result.box_attempt_ms):.0f} "
              "ms (median)")


if __name__ == "__main__":
    main()
