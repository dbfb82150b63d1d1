"""Fixtures shared by the suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import BASE_CONFIG, Site


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Site]:
    def make(articles: dict[str, str] | None = None, config: str = BASE_CONFIG) -> Site:
        site = Site(tmp_path / "site")
        site.write("config.yaml", config)
        (site.root / "content").mkdir(parents=True, exist_ok=True)
        for relative, text in (articles or {}).items():
            site.write(f"content/{relative}", text)
        return site

    return make

