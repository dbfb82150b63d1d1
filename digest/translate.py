"""`digest new --translation-of`: a translation starts from its original — the fields that stay the same
in every language, the tags the site already has in the target language, and the original text
between markers for the translator to write over."""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from digest.content import Article, split_front_matter
from digest.errors import Problem, SiteError
from digest.yamlfile import YamlSyntaxError, parse

# The original text sits between these two lines; `digest status` lists the file as a translation in
# progress while the first is there. Plain text (no Markdown or HTML meaning), so it reads the same in
# the file, in a --drafts preview and in body_html.
ORIGINAL_START = "DIGEST-TRANSLATE-START: the original text ({lang}) follows; write the translation over it, " \
                 "then delete this line and the DIGEST-TRANSLATE-END line."
ORIGINAL_END = "DIGEST-TRANSLATE-END"
IN_PROGRESS = "DIGEST-TRANSLATE-START"


def in_progress(article: Article) -> bool:
    """Whether the article still holds the original text `digest new --translation-of` put in it."""
    return IN_PROGRESS in article.body_html


def yaml_value(value: Any) -> str:
    """A front matter value on one line: JSON is valid YAML flow syntax for strings, lists and mappings."""
    return json.dumps(value, ensure_ascii=False, default=str)


def original_parts(file: Path) -> tuple[dict[str, Any], str]:
    """The original's front matter as written, and its body."""
    text = file.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    parts = split_front_matter(text)
    if parts is None:
        return {}, text
    try:
        meta = parse(parts[0])
    except YamlSyntaxError:  # the original loaded already: not reached in practice
        meta = None
    return (meta if isinstance(meta, dict) else {}), parts[1]


def moved_src(src: str, original: Path, target: Path, content: Path) -> str:
    """An image path relative to the original, made relative to the translation (URLs stay as they are)."""
    if "://" in src or src.startswith(("/", "data:")):
        return src
    picture = (original.parent / src).resolve()
    if not picture.is_relative_to(content.resolve()):
        return src
    return Path(os.path.relpath(picture, target.parent.resolve())).as_posix()


def image_lines(image: Any, original: Path, target: Path, content: Path) -> list[str]:
    """`image:` of the translation: the same picture, credit and alt; the caption marked to translate."""
    if isinstance(image, str):
        return [f"image: {yaml_value(moved_src(image, original, target, content))}"]
    if not isinstance(image, dict):
        return []
    lines = ["image:"]
    for name in ("src", "caption", "credit", "alt"):
        value = image.get(name)
        if value is None:
            continue
        if name == "src":
            value = moved_src(str(value), original, target, content)
        note = "  # translate" if name in ("caption", "alt") else ""
        lines.append(f"  {name}: {yaml_value(value)}{note}")
    return lines if len(lines) > 1 else []


def tag_translations(articles: Sequence[Article], source_lang: str, target_lang: str) -> dict[str, str]:
    """Tag slug of the source language -> tag name in the target language, learnt from the articles
    already translated: a tag spelt the same way (same slug) in both, else the one tag that the
    translations of the articles carrying it share, found by elimination."""
    by_key: dict[str, dict[str, Article]] = defaultdict(dict)
    for article in articles:
        by_key[article.key][article.lang] = article
    pairs = [(versions[source_lang], versions[target_lang]) for versions in by_key.values()
             if source_lang in versions and target_lang in versions]
    target_names: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        if article.lang == target_lang:
            for tag in article.tags:
                target_names[tag.slug][tag.name] += 1
    found: dict[str, str] = {}  # source slug -> target slug
    source_slugs = {tag.slug for source, _ in pairs for tag in source.tags}
    for slug in source_slugs:
        if slug in target_names:
            found[slug] = slug
    while True:  # each round resolves the tags left with a single unexplained partner
        scores: dict[str, Counter[str]] = defaultdict(Counter)
        for source, target in pairs:
            left = [tag.slug for tag in source.tags if tag.slug not in found]
            taken = set(found.values())
            right = [tag.slug for tag in target.tags if tag.slug not in taken]
            for slug in left:
                scores[slug].update(right)
        resolved = {}
        for slug, counts in scores.items():
            ranked = counts.most_common(2)
            if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
                resolved[slug] = ranked[0][0]
        claimed = Counter(resolved.values())
        resolved = {slug: target for slug, target in resolved.items() if claimed[target] == 1}
        if not resolved:
            break
        found.update(resolved)
    return {slug: target_names[target].most_common(1)[0][0] for slug, target in found.items()}


def translation_fields(original: Article, meta: dict[str, Any], target: Path, content: Path,
                       articles: Iterable[Article], lang: str) -> tuple[list[str], list[str], list[str]]:
    """(front matter lines copied from the original, tags in the target language, tags without one)."""
    lines = []
    if meta.get("source") is not None:
        lines.append(f"source: {yaml_value(meta['source'])}")
    if meta.get("author") is not None:
        lines.append(f"author: {yaml_value(meta['author'])}")
    if meta.get("section") is not None:
        lines.append(f"section: {yaml_value(meta['section'])}  # translate")
    lines += image_lines(meta.get("image"), Path(original_file(original, content)), target, content)
    if original.related:
        lines.append(f"related: {yaml_value(list(original.related))}")
    known = tag_translations(list(articles), original.lang, lang)
    tags = [known[tag.slug] for tag in original.tags if tag.slug in known]
    untranslated = [tag.name for tag in original.tags if tag.slug not in known]
    return lines, list(dict.fromkeys(tags)), untranslated


def original_file(original: Article, content: Path) -> Path:
    return content / original.source_path


# A Markdown link or image target: `](target)` or `](target "title")`.
LINK_TARGET = re.compile(r"(\]\()(<[^>\n]*>|[^)\s]+)")


def moved_links(body: str, original: Path, target: Path, content: Path) -> str:
    """The body's relative links and images (another article's file, a photo beside the original),
    pointed at the same files from the translation's folder, so that the draft builds as it is."""
    def move(match: re.Match[str]) -> str:
        link = match.group(2)
        bare = link[1:-1] if link.startswith("<") else link
        path, hash_mark, fragment = bare.partition("#")
        if not path or ":" in path or path.startswith("/"):
            return match.group(0)
        moved = moved_src(path, original, target, content) + hash_mark + fragment
        return match.group(1) + (f"<{moved}>" if link.startswith("<") else moved)

    return LINK_TARGET.sub(move, body)


def body_with_original(original_lang: str, body: str) -> str:
    return "\n".join([ORIGINAL_START.format(lang=original_lang), "", body.strip(), "", ORIGINAL_END, ""])


def refuse_same_language(original: Article, lang: str, shown: str) -> None:
    if original.lang == lang:
        raise SiteError([Problem(shown, None, f"is already in '{lang}': --translation-of needs an article "
                                              "of another language")])
