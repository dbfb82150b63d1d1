"""The repository's own example site builds, through the installed console script."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from lxml import html

from helpers import REPO


def test_example_site_builds_with_one_line_summary(tmp_path: Path) -> None:
    site = tmp_path / "example"
    shutil.copytree(REPO, site, ignore=shutil.ignore_patterns("output", ".venv", ".git", "*.egg-info"))
    result = subprocess.run([sys.executable, "-m", "digest", "build"], cwd=site, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[1:] == ["1 draft left out (--drafts includes it)"]  # the summary, and the draft it left out
    assert re.match(r"Built \d+ pages \(\d+ files: \d+ written, \d+ unchanged\) in \d+\.\d\d s -> output/",
                    lines[0])
    output = site / "output"
    for language in ("fr", "en", "ar"):
        page = html.fromstring((output / language / "index.html").read_bytes())
        assert page.get("lang") == language
        assert page.get("dir") == ("rtl" if language == "ar" else "ltr")
    # the draft stays out of the site
    assert not list(output.rglob("vaccin-grippe-aviaire-essai"))
    # the article with an image file gets it copied beside its page
    assert (output / "fr/2024/07/observatoire-solaire-pic/observatoire-solaire.jpg").is_file()
