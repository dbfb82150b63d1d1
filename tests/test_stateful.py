"""Property: after any sequence of edits, an incremental `digest build` gives exactly a clean build's output.

A hypothesis state machine keeps a small site (3 to 8 articles in fr, en and ar) and applies random
steps to it: articles added, deleted, renamed or moved; their body, title, date (across days, months
and years, and into the future: scheduled), tags (lists, comma-separated strings, accents, Arabic),
translation_key, related, draft flag and image (a local file, replaced or removed) edited; templates
overridden, changed and dropped; config.yaml changed (per_page, a language's title, the description);
invalid edits that must fail (exit 1, output untouched) and are then reverted.

After every step it runs `digest build` in the site (reusing .digest-cache/ and the previous output)
and a clean build of a fresh copy of the site's inputs in a new folder, and compares both output trees
byte for byte, every file and every folder. Only the CLI is used, not the build internals.

bench/stateful.py runs the same machine for many more sequences.
"""

from __future__ import annotations

import difflib
import importlib.util
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from PIL import Image

from digest.build import Builder
from digest.cli import main
from digest.config import load_config
from digest.errors import SiteError
from digest.serve import preview_builder

from helpers import BASE_CONFIG, REPO, article, site_hashes, tree_hashes

# The build's time (2025-06-01T00:00:00Z): fixed, so that "scheduled" and the news sitemap are stable.
EPOCH = "1748736000"
ENV = {"SOURCE_DATE_EPOCH": EPOCH}

LANGS = ("fr", "en", "ar")
# Past dates across days, months and years; the first is 2024-01-01 00:30 in the site's Europe/Paris.
DATES = ("2023-12-31T23:30:00+00:00", "2024-01-01T09:00:00+01:00", "2024-02-29T12:00:00+01:00",
         "2024-07-16T14:30:00+03:00", "2024-07-16T18:00:00+02:00", "2024-07-17", "2025-05-31T10:00:00+02:00")
FUTURE_DATES = ("2025-06-02T08:00:00+02:00", "2026-01-15")  # after the build's time: scheduled
TITLES = ("Irak : drones sur Ain al-Asad", "Gaza : une trêve", "Élections en Iraq", "Withdrawal of forces",
          "العراق: طائرات مسيرة", "Liban", "L'économie mondiale")
BODIES = ("Body paragraph.", "Deux drones ont visé la base.\n\nUn second paragraphe, *en italique*.",
          "## Contexte\n\n- un\n- deux\n\n> Une citation.", "نص المقال بالعربية.", "")
TAG_POOL = ("Irak", "États-Unis", "etats-unis", "Gaza", "العراق", "Économie")
KEYS = ("k-ain", "k-gaza", "k-liban")  # translation keys; never equal to a path key (those are a<n>...)
EN_TITLES = ("Test Digest", "News Digest", "Digest du jour")
DESCRIPTIONS = (None, "A digest for tests.", "Revue « de test » & co")


def _jpeg(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


# Image files of different sizes (the page shows width and height; the widest gets a resized copy).
IMAGES = (_jpeg(40, 30, (200, 0, 0)), _jpeg(64, 48, (0, 120, 0)), _jpeg(600, 400, (0, 0, 200)))


@dataclass
class Doc:
    """One article as the model keeps it; `source()` is the file's text."""

    lang: str
    folder: str  # "" or "sub/" below content/<lang>/
    stem: str
    title: str
    date: str
    body: str = "Body paragraph."
    tags: str | None = None  # a YAML snippet: a list or one comma-separated string
    translation_key: str | None = None
    related: tuple[str, ...] = ()
    draft: bool = False
    image: int | None = None  # index in IMAGES; the file is <stem>.jpg beside the article
    caption: str = "Une photo"

    @property
    def path(self) -> str:
        return f"content/{self.lang}/{self.folder}{self.stem}.md"

    @property
    def image_path(self) -> str:
        return f"content/{self.lang}/{self.folder}{self.stem}.jpg"

    @property
    def key(self) -> str:
        return self.translation_key or f"{self.folder}{self.stem}"

    def source(self) -> str:
        fields: dict[str, str] = {}
        if self.tags is not None:
            fields["tags"] = self.tags
        if self.translation_key is not None:
            fields["translation_key"] = self.translation_key
        if self.related:
            fields["related"] = "[" + ", ".join(self.related) + "]"
        if self.draft:
            fields["draft"] = "true"
        if self.image is not None:
            fields["image"] = f"{{src: {self.stem}.jpg, caption: {self.caption}, credit: AFP}}"
        return article(self.title, date=self.date, body=self.body or "", **fields)


@dataclass
class Settings:
    per_page: int = 3
    en_title: str = "Test Digest"
    description: str | None = None
    search: bool = False

    def source(self) -> str:
        text = BASE_CONFIG.replace("per_page: 3", f"per_page: {self.per_page}")
        text = text.replace("en: {title: Test Digest,", f"en: {{title: {self.en_title},")
        text = text.replace("search: false", f"search: {'true' if self.search else 'false'}")
        if self.description is not None:
            text += f"description: {self.description!r}\n"
        return text


def tags_snippet(tags: list[str], as_string: bool) -> str:
    return repr(", ".join(tags)) if as_string else "[" + ", ".join(tags) + "]"


def build(config: Path) -> Result:
    return CliRunner().invoke(main, ["build", "--config", str(config)], env=ENV)


def differences(incremental: Path, clean: Path, found: bool = False) -> str:
    """What differs between two output trees, with a diff of the first differing text file (`found`:
    search indexes compared by what they find, see helpers.site_tree)."""
    left, right = site_hashes(incremental, found), site_hashes(clean, found)
    lines = [f"only in the incremental output: {name}" for name in sorted(left.keys() - right.keys())]
    lines += [f"only in the clean output: {name}" for name in sorted(right.keys() - left.keys())]
    changed = sorted(name for name in left.keys() & right.keys() if left[name] != right[name])
    lines += [f"differs: {name}" for name in changed]
    for name in changed[:1]:
        try:
            a = (incremental / name).read_text(encoding="utf-8").splitlines()
            b = (clean / name).read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        diff = difflib.unified_diff(a, b, f"incremental/{name}", f"clean/{name}", lineterm="", n=1)
        lines += list(diff)[:60]
    return "\n".join(lines)


class SiteMachine(RuleBasedStateMachine):
    """A small site edited step by step; after each step incremental output == clean output."""

    search = False

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="digest-stateful-"))
        self.root = self.tmp / "site"
        self.docs: list[Doc] = []
        self.counter = 0
        self.settings = Settings(search=self.search)
        self.templates: dict[str, str] = {}  # site overrides: relative path below templates/ -> text
        self.builds = 0  # incremental builds checked (the first is a cold build)
        self.steps = -1  # steps run (the invariant also runs once after initialize)
        self.changed = False  # an input changed since the last check
        self.server: Builder | None = None  # serve_style_build's, kept between steps as serve keeps it

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- writing the site -------------------------------------------------------------------------

    def write(self, relative: str, data: str | bytes) -> None:
        """Write a file when its content changes (an unchanged file keeps its time stamp, as in an editor)."""
        path = self.root / relative
        raw = data.encode() if isinstance(data, str) else data
        if path.is_file() and path.read_bytes() == raw:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        self.changed = True

    def remove(self, relative: str) -> None:
        path = self.root / relative
        if path.exists():
            path.unlink()
            self.changed = True

    def save(self, doc: Doc) -> None:
        self.write(doc.path, doc.source())
        if doc.image is not None:
            self.write(doc.image_path, IMAGES[doc.image])
        else:
            self.remove(doc.image_path)

    def new_stem(self) -> str:
        self.counter += 1
        return f"a{self.counter}"

    def pick(self, index: int) -> Doc:
        return self.docs[index % len(self.docs)]

    def keys(self) -> set[str]:
        return {doc.key for doc in self.docs}

    def key_free(self, key: str, lang: str, but: Doc | None = None) -> bool:
        """No other article of `lang` has this key (two articles of one language cannot share one)."""
        return all(doc.key != key for doc in self.docs if doc.lang == lang and doc is not but)

    def drop_dangling(self) -> None:
        """Remove related keys that no article has any more (as an editor fixes the links of a deletion)."""
        keys = self.keys()
        for doc in self.docs:
            kept = tuple(key for key in doc.related if key in keys)
            if kept != doc.related:
                doc.related = kept
                self.save(doc)

    # -- the property -----------------------------------------------------------------------------

    @invariant()
    def incremental_equals_clean(self) -> None:
        self.steps += 1
        if not self.changed:
            return  # before initialize, or a step that changed nothing: the last check holds
        self.changed = False
        result = build(self.root / "config.yaml")
        assert result.exit_code == 0, result.output
        self.builds += 1
        if self.builds == 1:
            return  # the first build is a clean build itself
        clean = self.clean_build()
        diff = differences(self.root / "output", clean)
        assert not diff, "incremental build differs from a clean build:\n" + diff
        shutil.rmtree(clean.parent)

    # -- steps ------------------------------------------------------------------------------------

    @initialize(dates=st.lists(st.sampled_from(DATES), min_size=3, max_size=3),
                langs=st.lists(st.sampled_from(LANGS), min_size=3, max_size=3))
    def start(self, dates: list[str], langs: list[str]) -> None:
        self.write("config.yaml", self.settings.source())
        (self.root / "content").mkdir(parents=True, exist_ok=True)
        for number, (date, lang) in enumerate(zip(dates, ["fr", *langs[1:]], strict=True)):
            doc = Doc(lang, "", self.new_stem(), TITLES[number], date, tags="[Irak, États-Unis]")
            self.docs.append(doc)
            self.save(doc)

    @precondition(lambda self: len(self.docs) < 8)
    @rule(lang=st.sampled_from(LANGS), title=st.sampled_from(TITLES), date=st.sampled_from(DATES),
          sub=st.booleans(), translation=st.integers(0, 50))
    def add_article(self, lang: str, title: str, date: str, sub: bool, translation: int) -> None:
        doc = Doc(lang, "sub/" if sub else "", self.new_stem(), title, date)
        # Sometimes a translation of an existing article: same key, another language.
        other = self.pick(translation)
        if other.lang != lang and self.key_free(other.key, lang):
            doc.translation_key = other.key
            if other.translation_key is None:
                other.translation_key = other.key  # a path key only holds within one path: make it explicit
                self.save(other)
        self.docs.append(doc)
        self.save(doc)

    @precondition(lambda self: len(self.docs) > 1)
    @rule(index=st.integers(0, 50))
    def delete_article(self, index: int) -> None:
        doc = self.pick(index)
        self.docs.remove(doc)
        self.remove(doc.path)
        self.remove(doc.image_path)
        self.drop_dangling()

    @rule(index=st.integers(0, 50), move=st.booleans())
    def rename_article(self, index: int, move: bool) -> None:
        """Rename the file (new slug, new URL), or move it in or out of sub/ (same URL, new path key)."""
        doc = self.pick(index)
        old = replace(doc)
        if move:
            doc.folder = "" if doc.folder else "sub/"
        else:
            doc.stem = self.new_stem()
        if not self.key_free(doc.key, doc.lang, but=doc):
            doc.folder, doc.stem = old.folder, old.stem
            return
        self.remove(old.path)
        self.remove(old.image_path)
        self.save(doc)
        self.drop_dangling()

    @rule(index=st.integers(0, 50), body=st.sampled_from(BODIES))
    def edit_body(self, index: int, body: str) -> None:
        doc = self.pick(index)
        doc.body = body
        self.save(doc)

    @rule(index=st.integers(0, 50), title=st.sampled_from(TITLES))
    def edit_title(self, index: int, title: str) -> None:
        doc = self.pick(index)
        doc.title = title
        self.save(doc)

    @rule(index=st.integers(0, 50), date=st.sampled_from(DATES + FUTURE_DATES))
    def edit_date(self, index: int, date: str) -> None:
        """A new date: another day, month or year (new URL, editions, archives), or a scheduled one."""
        doc = self.pick(index)
        doc.date = date
        self.save(doc)

    @rule(index=st.integers(0, 50), tags=st.one_of(st.none(), st.lists(st.sampled_from(TAG_POOL), max_size=3)),
          as_string=st.booleans())
    def edit_tags(self, index: int, tags: list[str] | None, as_string: bool) -> None:
        doc = self.pick(index)
        doc.tags = None if tags is None else tags_snippet(tags, as_string)
        self.save(doc)

    @rule(index=st.integers(0, 50), key=st.one_of(st.none(), st.sampled_from(KEYS)))
    def set_translation_key(self, index: int, key: str | None) -> None:
        doc = self.pick(index)
        new_key = key or f"{doc.folder}{doc.stem}"
        if not self.key_free(new_key, doc.lang, but=doc):
            return
        doc.translation_key = key
        self.save(doc)
        self.drop_dangling()

    @rule(index=st.integers(0, 50), others=st.lists(st.integers(0, 50), max_size=2, unique=True))
    def set_related(self, index: int, others: list[int]) -> None:
        doc = self.pick(index)
        doc.related = tuple(dict.fromkeys(self.pick(other).key for other in others))
        self.save(doc)

    @rule(index=st.integers(0, 50))
    def toggle_draft(self, index: int) -> None:
        doc = self.pick(index)
        doc.draft = not doc.draft
        self.save(doc)

    @rule(index=st.integers(0, 50), image=st.one_of(st.none(), st.integers(0, len(IMAGES) - 1)),
          caption=st.sampled_from(("Une photo", "صورة", "Vue générale")))
    def edit_image(self, index: int, image: int | None, caption: str) -> None:
        """Add, replace (new bytes, new size) or remove an article's local image."""
        doc = self.pick(index)
        doc.image = image
        doc.caption = caption
        self.save(doc)

    @rule(name=st.sampled_from(("base.html", "article.html", "assets/style.css")), variant=st.integers(0, 3))
    def edit_template(self, name: str, variant: int) -> None:
        """Override a built-in template (a changed copy), change the override, or drop it (variant 0)."""
        if variant == 0:
            self.templates.pop(name, None)
            self.remove(f"templates/{name}")
            return
        text = (REPO / "templates" / name).read_text(encoding="utf-8")
        if name == "base.html":
            text = text.replace("</body>", f"<!-- variant {variant} -->\n</body>")
        elif name == "article.html":
            head, end, tail = text.rpartition("{% endblock %}")
            text = f'{head}<p class="variant">{variant}</p>\n{end}{tail}'
        else:
            text += f"\n/* variant {variant} */\n"
        self.templates[name] = text
        self.write(f"templates/{name}", text)

    @rule(per_page=st.sampled_from((2, 3, 10)), en_title=st.sampled_from(EN_TITLES),
          description=st.sampled_from(DESCRIPTIONS))
    def edit_config(self, per_page: int, en_title: str, description: str | None) -> None:
        self.settings.per_page = per_page
        self.settings.en_title = en_title
        self.settings.description = description
        self.write("config.yaml", self.settings.source())

    @rule(index=st.integers(0, 50), broken=st.sampled_from(("related", "yaml")))
    def invalid_edit(self, index: int, broken: str) -> None:
        """An edit the build must refuse (exit 1, output untouched); the editor then reverts it."""
        doc = self.pick(index)
        path = self.root / doc.path
        good = path.read_bytes()
        before = tree_hashes(self.root / "output")
        if broken == "related":
            bad = replace(doc, related=(*doc.related, "no-such-key")).source()
        else:
            bad = doc.source().replace("title:", "title: [unclosed", 1)
        path.write_text(bad, encoding="utf-8")
        result = build(self.root / "config.yaml")
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output, result.output
        assert tree_hashes(self.root / "output") == before, "a failed build changed the output"
        path.write_bytes(good)
        self.changed = True  # same text as before the failed build, newer time stamp


    @rule(delay=st.floats(0.2, 2.0))
    def killed_build(self, delay: float) -> None:
        """A `digest build` killed (SIGKILL) after `delay` seconds: output/ is the old site or the new one,
        with no temporary file inside; the next build (the invariant's) still equals a clean build."""
        output = self.root / "output"
        before = tree_hashes(output)
        command = [sys.executable, "-m", "digest", "build", "--config", str(self.root / "config.yaml")]
        process = subprocess.Popen(command, cwd=self.root, env={**os.environ, **ENV}, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        found = tree_hashes(output)
        hidden = [name for name in found if "/." in f"/{name}" and not name.endswith(".nojekyll")]
        assert not hidden and not [name for name in found if name.endswith(".tmp")], sorted(found)
        if found != before:
            clean = self.clean_build()
            diff = differences(output, clean)
            assert not diff, "a killed build left output/ neither the old nor the new site:\n" + diff
            shutil.rmtree(clean.parent)
        self.changed = True

    @rule()
    def serve_style_build(self) -> None:
        """A build as `digest serve` makes it (one Builder kept between steps, its own folder, trusting
        what it wrote): it equals a clean build, and output/ is left byte for byte as it was."""
        output = self.root / "output"
        before = tree_hashes(output)
        if self.server is None:
            config_file = self.root / "config.yaml"
            self.server = preview_builder(config_file, load_config(config_file))
            self.server.workers = 1
        saved = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = EPOCH
        try:
            self.server.build()
            self.server.wait_for_search()  # (an edit's search step runs in the background, as in serve)
            assert self.server.search_error is None, self.server.search_error
        except SiteError:
            return  # (an input the full build refuses: the invariant's build says so)
        finally:
            if saved is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = saved
        assert tree_hashes(output) == before, "a serve-style build changed output/"
        clean = self.clean_build()
        diff = differences(self.root / ".digest-cache" / "serve", clean, found=True)
        assert not diff, "the serve-style build differs from a clean build:\n" + diff
        shutil.rmtree(clean.parent)

    def clean_build(self) -> Path:
        """A clean build of a copy of the site's inputs: its output folder."""
        clean = Path(tempfile.mkdtemp(dir=self.tmp)) / "site"
        clean.mkdir()
        for name in ("config.yaml", "content", "templates"):
            source = self.root / name
            if source.is_dir():
                shutil.copytree(source, clean / name)
            elif source.is_file():
                shutil.copy2(source, clean / name)
        result = build(clean / "config.yaml")
        assert result.exit_code == 0, result.output
        return clean / "output"


class SearchSiteMachine(SiteMachine):
    """The same with search: true (the Pagefind index is rebuilt incrementally too)."""

    search = True


# About 2 s per sequence here (two builds a step, most of it compiling templates): a few dozen
# sequences fit in `make test`; bench/stateful.py runs a thousand.
TestIncrementalEqualsClean = SiteMachine.TestCase
TestIncrementalEqualsClean.settings = settings(
    max_examples=20, stateful_step_count=6, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

needs_pagefind = pytest.mark.skipif(importlib.util.find_spec("pagefind_bin") is None,
                                    reason="pagefind-bin is not installed")
TestIncrementalEqualsCleanWithSearch = needs_pagefind(SearchSiteMachine.TestCase)
TestIncrementalEqualsCleanWithSearch.settings = settings(
    max_examples=4, stateful_step_count=5, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
