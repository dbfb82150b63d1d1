"""digest as a user installs it: `python -m build` makes an sdist and, from it, a wheel named digest-ssg
that carries the theme, UI strings and every asset; installed into a fresh virtual environment outside
the repository, it creates, builds and checks a site."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from digest import DISTRIBUTION, __version__

from helpers import REPO


def shipped_files() -> set[str]:
    """What the wheel must hold: every file of the package and of the theme (the theme as digest/_theme)."""
    tracked = subprocess.run(["git", "ls-files", "digest", "templates"], cwd=REPO, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    files = {name for name in tracked.stdout.splitlines() if (REPO / name).is_file()}
    return {"digest/_theme/" + name.removeprefix("templates/") if name.startswith("templates/") else name
            for name in files}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(folder), str(REPO)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder


def run(command: list[str], cwd: Path) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, " ".join(command) + "\n" + result.stdout + result.stderr
    return result.stdout + result.stderr


def test_the_wheel_and_sdist_are_digest_ssg_and_carry_every_file(dist: Path) -> None:
    wheel = dist / f"{DISTRIBUTION.replace('-', '_')}-{__version__}-py3-none-any.whl"
    sdist = dist / f"{DISTRIBUTION.replace('-', '_')}-{__version__}.tar.gz"
    assert sorted(path.name for path in dist.iterdir()) == sorted([sdist.name, wheel.name])
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(f"{DISTRIBUTION.replace('-', '_')}-{__version__}.dist-info/METADATA")
                                     .decode("utf-8"))
        entry_points = archive.read(f"{DISTRIBUTION.replace('-', '_')}-{__version__}.dist-info/entry_points.txt")
    assert metadata["Name"] == DISTRIBUTION and metadata["Version"] == __version__
    assert "digest = digest.cli:run" in entry_points.decode("utf-8")
    missing = shipped_files() - names
    assert not missing, sorted(missing)
    assert {"digest/locales/fr.yaml", "digest/_theme/article.html", "digest/_theme/assets/style.css"} <= names
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "templates/base.html", "digest/cli.py"} <= members


def test_installed_in_a_fresh_environment_it_makes_builds_and_checks_a_site(dist: Path, tmp_path: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    # the test environment's pip installs into the new one (dependencies from pip's cache when it has them)
    run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
         str(wheel)], cwd=tmp_path)
    digest = str(venv / "bin" / "digest")
    assert run([digest, "--version"], cwd=tmp_path).strip() == f"digest, version {__version__}"
    theme = Path(run([digest, "theme", "--path"], cwd=tmp_path).strip())
    assert theme.is_relative_to(venv) and (theme / "article.html").is_file()  # not the repository's templates/
    run([digest, "init", "news", "--languages", "fr,en", "--title", "Ma revue"], cwd=tmp_path)
    site = tmp_path / "news"
    assert (site / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == \
        f"{DISTRIBUTION}=={__version__}"
    built = run([digest, "build"], cwd=site)
    assert "Built " in built
    home = (site / "output" / "fr" / "index.html").read_text(encoding="utf-8")
    assert "Bienvenue dans votre revue de presse" in home and 'lang="fr"' in home
    assert (site / "output" / "assets" / "style.css").is_file()
    checked = run([digest, "check"], cwd=site)
    assert "no broken links" in checked and "warning: an example article" in checked
