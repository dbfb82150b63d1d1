"""digest's modules import one another along the pipeline, never in a circle and never upward.

The import graph is read from the source with `ast`: every import counts, a function's own (a lazy
import, for start-up speed) and a type checker's (`if TYPE_CHECKING:`) included. A new module must be
given a layer below."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "digest"

# Lowest first. A module may import its own layer or a lower one; each layer names what it adds.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = tuple((name, frozenset(modules)) for name, modules in (
    ("utilities", {"digest", "errors", "records", "blobs", "files", "urls", "charset", "text", "slugs", "yamlfile",
                   "parallel", "heap", "progress", "similarity", "markdown_fast", "markdown", "images", "ui_strings"}),
    ("config", {"config"}),
    ("locale and theme", {"i18n", "theme"}),
    ("content", {"content"}),
    ("site", {"site"}),
    # Files of the site that are not pages: the sitemaps, the feeds, the share images, Pagefind's index
    # files (read and written by digest) and Pagefind run for them.
    ("formats", {"sitemap", "feeds", "cards", "pagefind_format", "pagefind_run"}),
    # A page's bytes (render) and what it says of itself (presentation): they decide no page.
    ("render", {"render", "presentation"}),
    # What an output file is, and writing a site of them (its staging and swap).
    ("output", {"output"}),
    # Which outputs exist and what each depends on.
    ("graph", {"graph"}),
    ("output records and search", {"state", "search"}),
    ("edits", {"delta"}),
    ("build", {"build"}),
    ("commands", {"serve", "check", "check_warnings", "status", "translate", "scaffold", "pages_workflow",
                  "newsletter", "mailer", "newsletter_command", "importer"}),
    ("command line", {"cli", "__main__"}),
))


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. digest.graph
    target: str  # the module imported, e.g. digest.render
    file: str  # relative to the repository
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source} imports {self.target}"


def modules() -> dict[str, Path]:
    found = {}
    for file in sorted(PACKAGE.rglob("*.py")):
        parts = ("digest", *file.relative_to(PACKAGE).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = file
    return found


def imports(known: dict[str, Path]) -> list[Import]:
    """Every import of a digest module by another, with where it is written."""

    def resolve(name: str) -> str:  # digest.render.PageContext -> digest.render; digest.__version__ -> digest
        while name not in known:
            name = name.rpartition(".")[0]
        return name

    found = []
    for module, file in known.items():
        package = module if file.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] +
                                    ([node.module] if node.module else []))
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] == "digest" and (target := resolve(name)) != module:
                    found.append(Import(module, target, str(file.relative_to(PACKAGE.parent)), node.lineno))
    return found


def layer_of(module: str) -> int | None:
    short = module.removeprefix("digest.") if module != "digest" else "digest"
    for index, (_, members) in enumerate(LAYERS):
        if short in members or short.split(".")[0] in members - {"digest"}:
            return index
    return None


def cycles(edges: list[Import]) -> list[list[str]]:
    """The import circles: strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read_from_the_source() -> None:
    """The reader itself: it sees module-level, lazy, relative and type-checking imports."""
    edges = {(edge.source, edge.target) for edge in imports(modules())}
    assert ("digest.graph", "digest.render") in edges  # from digest.render import ...
    assert ("digest.graph", "digest.feeds") in edges  # from digest import feeds
    assert ("digest.build", "digest.graph") in edges  # inside a function
    assert ("digest.build", "digest.site") in edges  # under TYPE_CHECKING
    assert ("digest.importer", "digest.importer.page") in edges
    assert ("digest.content", "digest") in edges  # from digest import __version__
    assert cycles([Import("a", "b", "a.py", 1), Import("b", "c", "b.py", 1), Import("c", "a", "c.py", 1),
                   Import("c", "d", "c.py", 2)]) == [["a", "b", "c"]]
    circle = [Import("a", "b", "a.py", 1), Import("b", "a", "b.py", 3), Import("b", "c", "b.py", 4)]
    assert a_circle(["a", "b"], circle) == circle[:2]


def test_every_module_has_a_layer() -> None:
    missing = sorted(module for module in modules() if layer_of(module) is None)
    assert not missing, f"modules in no layer of tests/test_layering.py's LAYERS: {', '.join(missing)}"


def a_circle(component: list[str], edges: list[Import]) -> list[Import]:
    """One shortest circle of imports through the component's first module, to name in a message."""
    first: dict[tuple[str, str], Import] = {}
    for edge in edges:
        if edge.source in component and edge.target in component:
            first.setdefault((edge.source, edge.target), edge)
    start = component[0]
    paths: dict[str, list[Import]] = {start: []}
    queue = [start]
    for node in queue:
        for (source, target), edge in sorted(first.items()):
            if source != node:
                continue
            if target == start:
                return [*paths[node], edge]
            if target not in paths:
                paths[target] = [*paths[node], edge]
                queue.append(target)
    return []


def test_no_import_circles() -> None:
    edges = imports(modules())
    circles = [a_circle(component, edges) for component in cycles(edges)]
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(str(edge) for edge in circle)
                                                          for circle in circles)


def test_no_import_upward() -> None:
    upward = []
    for edge in imports(modules()):
        source, target = layer_of(edge.source), layer_of(edge.target)
        if source is not None and target is not None and target > source:
            upward.append(f"{edge}: an import upward, from layer '{LAYERS[source][0]}' to layer "
                          f"'{LAYERS[target][0]}'")
    assert not upward, "\n".join(upward)
