"""`digest newsletter`: the command's orchestration (compose with digest.newsletter, then write the
files, or send once with digest.mailer), apart from both so that neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from digest import mailer
from digest.config import load_config
from digest.newsletter import Newsletter, Week, check_language, compose, load_site, select, write


@dataclass(frozen=True)
class Result:
    newsletter: Newsletter
    files: tuple[Path, ...]  # written (without --send)
    sent: Any = None  # a mailer.Sent (with --send)


def run(config_file: Path, lang: str, day: date | None = None, week: Week | None = None, output: Path | None = None,
        send: bool = False, force: bool = False, password: str | None = None, base_url: str | None = None) -> Result:
    """`digest newsletter`: compose one language's day (or week), then write it, or send it once.

    Every input is checked before anything is written or sent.
    """
    config = load_config(config_file, base_url=base_url)  # --base-url: links for a local preview
    check_language(config, lang, config_file)
    if send:
        mailer.check_sending(config, password, config_file)
    site = load_site(config)
    newsletter = compose(site, select(site, lang, day, week))
    if send:
        return Result(newsletter, (), mailer.send(config, newsletter, password, force, config_file=config_file))
    return Result(newsletter, write(config, newsletter, output))
