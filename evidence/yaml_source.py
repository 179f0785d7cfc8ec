"""Reading YAML safely: the C loader when present, and the line of any field for error messages."""

from __future__ import annotations

from pathlib import Path

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def parse_yaml_text(text: str):
    """Parse YAML text; a syntax error becomes YamlSyntaxError with a 1-based line and a one-line reason."""
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        reason = " ".join(part for part in (error.context, error.problem) if part)
        raise YamlSyntaxError(f"YAML syntax error: {reason}", line) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(f"YAML error: {error}", None) from None


def read_yaml(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlSyntaxError(f"file is not UTF-8 text ({error.reason} at byte {error.start})", None) from None
    return parse_yaml_text(text)


def line_of(text: str, location: tuple) -> int | None:
    """1-based line of the deepest node on `location` (keys and list indexes) that exists in the YAML text.

    Only called when a problem is reported, so the second (node-level) parse costs nothing on a clean load.
    """
    try:
        node = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node else None
    for step in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(step):
                    child, line = value_node, key_node.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
