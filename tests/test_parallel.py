"""A parallel build writes exactly what a single-process build writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from digest.build import build

from helpers import REPO


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_parallel_build_equals_single_process_build(tmp_path: Path):
    site = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "bench/gen_corpus.py"), str(site), "--articles", "300"], check=True)
    parallel = build(site / "config.yaml", output_dir=tmp_path / "parallel", workers=2)
    single = build(site / "config.yaml", output_dir=tmp_path / "single", workers=1)
    assert parallel.files == single.files > 1000
    assert tree(tmp_path / "parallel") == tree(tmp_path / "single")
