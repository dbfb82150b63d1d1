"""Where templates and theme assets come from: the site's templates/ over the default theme."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from digest.config import Config
from digest.errors import Collector
from digest.files import inside_site, walk

_PACKAGE = Path(__file__).resolve().parent


def default_theme_dir() -> Path:
    """The default theme: inside an installed wheel, or the repository's templates/ in a checkout."""
    installed = _PACKAGE / "_theme"
    return installed if installed.is_dir() else _PACKAGE.parent / "templates"


def theme_files() -> list[str]:
    """Every file of the built-in theme (templates, then assets/...), as paths below its folder."""
    theme = default_theme_dir()
    return sorted((file.relative_to(theme).as_posix() for file in theme.rglob("*")
                   if file.is_file() and "__pycache__" not in file.parts),
                  key=lambda name: (name.startswith("assets/"), name))


def template_dirs(config: Config) -> list[Path]:
    """Search order for templates: the site's own first, so it overrides the theme file by file."""
    dirs = []
    for candidate in (config.templates_dir, default_theme_dir()):
        if candidate.is_dir() and candidate.resolve() not in dirs:
            dirs.append(candidate.resolve())
    return dirs


def check_templates(config: Config) -> None:
    """Refuse a site templates/ folder with symlinks leading outside the site (Jinja would follow them)."""
    if config.templates_dir.is_dir():
        problems = Collector()
        if inside_site(config.templates_dir, config.root, config.root, problems):
            for _ in walk(config.templates_dir, config.root, config.root, problems):
                pass
        problems.raise_if_any()


def asset_files(config: Config) -> Iterator[tuple[Path, str]]:
    """(file, path below assets/) for every theme asset, the site's files winning over the theme's."""
    chosen: dict[str, Path] = {}
    for directory in reversed(template_dirs(config)):
        assets = directory / "assets"
        if assets.is_dir():
            for file in walk(assets, directory, config.root, Collector()):
                chosen[file.relative_to(assets).as_posix()] = file
    for name in sorted(chosen):
        yield chosen[name], name
