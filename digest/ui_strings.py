"""The UI strings shipped with the theme (digest/locales/<language>.yaml): read by digest.config, to
check a site's own strings against them, and by digest.i18n, which fills them in."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

FALLBACK = "en"


@cache
def shipped_strings(code: str) -> Mapping[str, Any]:
    """The theme's strings for a language code ("fr", "pt-BR" -> "pt"), or {} if none ship."""
    resource = files("digest") / "locales" / f"{code.split('-')[0]}.yaml"
    if not resource.is_file():
        return {}
    return yaml.safe_load(resource.read_text(encoding="utf-8")) or {}
