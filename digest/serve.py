"""`digest serve`: build, serve the output folder, rebuild and reload on change (livereload)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from livereload import Server

from digest.build import build
from digest.config import load_config
from digest.errors import SiteError


def serve(config_file: Path, host: str = "127.0.0.1", port: int = 8000, include_drafts: bool = False) -> None:
    config = load_config(config_file)
    local_url = f"http://{host}:{port}/"

    def rebuild() -> None:
        started = time.perf_counter()
        try:
            result = build(config_file, base_url=local_url, include_drafts=include_drafts)
        except SiteError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            click.echo("Build failed; still serving the last good site.", err=True)
            return
        click.echo(f"Rebuilt {result.pages} pages in {(time.perf_counter() - started) * 1000:.0f} ms")

    build(config_file, base_url=local_url, include_drafts=include_drafts)
    server = Server()
    for watched in (config.content_dir, config.templates_dir, config_file):
        if watched.exists():
            server.watch(str(watched), rebuild)
    click.echo(f"Serving {config.output_dir} at {local_url} (Ctrl-C to stop)")
    server.serve(host=host, port=port, root=str(config.output_dir), open_url_delay=None)
