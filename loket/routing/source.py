"""Read YAML keeping the line of every value, so errors can name it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loket.routing.errors import Problem, RulesError, dotted

if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]
# The YAML tags of a key that is text: a string, and `<<` (a merge of an anchored mapping).
_TEXT_KEYS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"})
# What YAML reads a key that is not text as, in words.
_KINDS = {"bool": "true or false", "int": "a number", "float": "a number", "null": "null",
          "timestamp": "a date", "seq": "a list", "map": "a mapping"}


class SourceMap:
    """The line of every value in a YAML document, by its path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path, int] = {}

    def line(self, path: Path) -> int | None:
        """Return the line of the value at path, or of its nearest parent."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


def _not_text(key_node: yaml.Node, path: Path) -> str:
    """Return what is wrong with a key that YAML reads as something other than text."""
    kind = key_node.tag.rsplit(":", 1)[-1]
    written = key_node.value if isinstance(key_node.value, str) else None
    where = dotted(path)
    if written is None:
        return f"{where}: a key is {_KINDS.get(kind, kind)}, not text"
    return (f"{where}: key {written} is read as {_KINDS.get(kind, kind)}, not as text: "
            f"put it in quotes ('{written}')")


def _record(node: yaml.Node, path: Path, source: SourceMap, problems: list[Problem]) -> None:
    """Record the lines of node and its children; report duplicate keys."""
    import yaml

    source.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            if key_node.tag not in _TEXT_KEYS:
                problems.append(Problem(source.file, key_node.start_mark.line + 1, None,
                                        _not_text(key_node, path)))
                continue
            key = key_node.value
            if key in seen:
                problems.append(Problem(source.file, key_node.start_mark.line + 1, None,
                                        f"key {key!r} is given twice"))
            seen.add(key)
            _record(value_node, (*path, key), source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), source, problems)


def read_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Return the data of a YAML document and the lines of its values."""
    import yaml  # imported when a file is read, not when its reading is kept in the cache

    fast = getattr(yaml, "CSafeLoader", None)  # libyaml: the same document, ten times faster
    if fast is not None:
        try:
            return _read(text, file, fast)
        except yaml.YAMLError:
            pass  # the Python loader words its errors as it always has
    return _read(text, file, yaml.SafeLoader)


def _read(text: str, file: str, loader_class: Any) -> tuple[Any, SourceMap]:
    """Return the data and source map of a YAML document, read by one loader."""
    import yaml

    source = SourceMap(file)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise RulesError([Problem(file, None, None, "the file is empty")])
        problems: list[Problem] = []
        _record(node, (), source, problems)
        if problems:
            raise RulesError(problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        if loader_class is not yaml.SafeLoader:
            raise
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise RulesError([Problem(file, line, None, f"not valid YAML: {message}")]) from None
    except yaml.YAMLError as error:
        if loader_class is not yaml.SafeLoader:
            raise
        raise RulesError([Problem(file, None, None, f"not valid YAML: {error}")]) from None
    finally:
        loader.dispose()
    return data, source
