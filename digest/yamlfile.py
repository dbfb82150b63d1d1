"""Safe YAML loading that keeps line numbers for error messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KeyPath = tuple[Any, ...]


class YamlSyntaxError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


def parse(text: str) -> Any:
    """Parse one YAML document with the safe loader; syntax errors carry their 1-based line.

    Aliases (*name) are refused: front matter and config never need them, and nested aliases
    ("billion laughs") expand to sizes no build can handle.
    """
    if "*" in text:
        _refuse_aliases(text)
    try:
        return yaml.load(text, Loader=SafeLoader)  # SafeLoader: never constructs Python objects
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        source_lines = text.split("\n")
        source_line = source_lines[line - 1] if line and line <= len(source_lines) else ""
        if "\t" in source_line[: len(source_line) - len(source_line.lstrip(" \t"))]:
            raise YamlSyntaxError(line, "invalid YAML: YAML does not allow tabs for indentation "
                                  "(indent with spaces)") from None
        raise YamlSyntaxError(line, f"invalid YAML: {problem}{_hint(problem)}") from None
    except yaml.reader.ReaderError as error:  # a character YAML refuses, such as a raw control character
        # libyaml counts the position in UTF-8 bytes, the Python reader in characters
        before = text.encode("utf-8")[: error.position] if SafeLoader is not yaml.SafeLoader else text[: error.position]
        line = before.count(b"\n" if isinstance(before, bytes) else "\n") + 1
        raise YamlSyntaxError(line, f"invalid YAML: character U+{error.character:04X} is not allowed "
                              "(remove it or write it as an escape in double quotes)") from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(None, f"invalid YAML: {error}") from None
    except (ValueError, OverflowError) as error:  # a well-formed value that is not a real one (2024-02-30)
        line, key, value = _bad_value(text)
        if key is None:
            raise YamlSyntaxError(line, f"invalid value: {error}") from None
        raise YamlSyntaxError(line, f"'{key}': {value} is not a valid date ({error})") from None


def _refuse_aliases(text: str) -> None:
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else None
                raise YamlSyntaxError(line, f"YAML aliases are not allowed (*{event.anchor}): write the value out")
    except yaml.YAMLError:
        return  # not readable YAML: parse() reports it with its line


def _hint(problem: str) -> str:
    """What to do about the YAML mistakes editors make most."""
    if "mapping values are not allowed" in problem:
        return " (a colon followed by a space in a value: put the value in quotes)"
    return ""


def _bad_value(text: str) -> tuple[int | None, str | None, str | None]:
    """(line, key path, text) of the first scalar the safe constructor cannot build (dates like 2024-13-01)."""
    constructor = yaml.constructor.SafeConstructor()
    try:
        root = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError:
        return None, None, None
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop(0)
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node, deep=True)
            except (ValueError, OverflowError):
                key = ".".join(str(part) for part in path) if path else None
                return node.start_mark.line + 1, key, node.value
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.append((key_node, path))
                stack.append((value_node, (*path, key_node.value)))
    return None, None, None


def line_finder(text: str) -> Callable[[KeyPath], int | None]:
    """A function giving the 1-based line of a key path such as ("languages", "en", "locale").

    The node tree is only composed when a message needs a line, so valid files pay nothing.
    """
    cache: dict[KeyPath, int] | None = None

    def find(path: KeyPath) -> int | None:
        nonlocal cache
        if cache is None:
            cache = {}
            try:
                root = yaml.compose(text, Loader=SafeLoader)
            except yaml.YAMLError:
                root = None
            if root is not None:
                _index(root, (), cache)
        while path:
            if path in cache:
                return cache[path]
            path = path[:-1]
        return None

    return find


def _index(node: yaml.Node, prefix: KeyPath, lines: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines.setdefault((*prefix, key), key_node.start_mark.line + 1)
            _index(value_node, (*prefix, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*prefix, index), item.start_mark.line + 1)
            _index(item, (*prefix, index), lines)
