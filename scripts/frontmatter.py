"""Front matter of the index source documents (docs/sources.md); standard library only.

The documents are read by `plan-index prepare` with a real YAML parser (serde_yaml). The scripts
read them with this small parser of the YAML subset we write, which refuses anything a YAML
parser could read differently, so what the scripts check is what gets baked:

- `key: scalar`, `key: [inline, list]`, or `key:` followed by a map indented 2 more spaces;
  no tabs, no comments, no duplicate keys, no `key:` without a value or nested map;
- scalars: `true`/`false`, integers (`-?[0-9]+`, no leading zeros), decimals (`-?[0-9]+.[0-9]+`),
  double-quoted strings (escapes `\\\\`, `\\"`, `\\n`, `\\t` only; an unescaped `"` inside is an
  error) and plain strings that YAML would also read as that same string (not `null`, `yes`,
  `1e5`, `0x1f`, `1:30`, ..., no leading indicator character, no `: ` or ` #` inside, no
  trailing `:`; inside an inline list also no `[]{}`).

Usage from a script in this folder (they run as `python3 scripts/<name>.py`):

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from frontmatter import ParseError, read_doc
"""

from __future__ import annotations

import re

__all__ = ["ParseError", "parse_scalar", "parse_yaml", "read_doc"]


class ParseError(Exception):
    pass


_INT_RE = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT_RE = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")
# Plain words that YAML 1.1 or 1.2 resolves to null or a boolean (we only accept lowercase
# `true`/`false`, handled before this).
_YAML_WORDS = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"}
# Other plain scalars a YAML parser (1.1 or 1.2) may read as a number or a date.
_YAML_NUMBER_RE = re.compile(
    r"[-+]?(\.[0-9_]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?"  # 1e5, +5, .5, 5., 007, 1_0
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"                       # infinities, nan
    r"|[-+]?0(x[0-9a-fA-F_]+|o[0-7_]+|b[01_]+)"                    # 0x1f, 0o17, 0b101
    r"|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?"               # 1:30 (sexagesimal)
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?"                   # 2024-01-01 (timestamp)
)
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t"}


def _split_inline_list(text: str) -> list[str]:
    items, cur, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\" and i + 1 < len(text):
                cur += ch + text[i + 1]
                i += 2
                continue
            if ch == '"':
                quoted = False
            cur += ch
        elif ch == '"':
            quoted = True
            cur += ch
        elif ch == ",":
            items.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if quoted:
        raise ParseError(f"unterminated quote in list: [{text}]")
    if cur.strip():
        items.append(cur.strip())
    elif items:
        raise ParseError(f"empty item in list: [{text}]")
    return items


def _plain_is_string(text: str) -> bool:
    """True if YAML reads the plain (unquoted) scalar `text` as exactly this string."""
    if text == "" or text[0] in "'\"{}[],&*!|>%@`#":
        return False
    if text[0] in "-?:" and (len(text) == 1 or text[1] == " "):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if text.lower() in _YAML_WORDS or _YAML_NUMBER_RE.fullmatch(text):
        return False
    return True


def _parse_quoted(text: str) -> str:
    if len(text) < 2 or not text.endswith('"'):
        raise ParseError(f"bad quoted string: {text}")
    inner = text[1:-1]
    out, i = "", 0
    while i < len(inner):
        if inner[i] == "\\":
            if i + 1 >= len(inner):
                raise ParseError(f"bad escape: {text}")
            if inner[i + 1] not in _ESCAPES:
                raise ParseError(f"unsupported escape \\{inner[i + 1]} (use \\\\, \\\", \\n, "
                                 f"\\t): {text}")
            out += _ESCAPES[inner[i + 1]]
            i += 2
        elif inner[i] == '"':
            raise ParseError(f"unescaped quote inside string: {text}")
        else:
            out += inner[i]
            i += 1
    return out


def parse_scalar(text: str, in_list: bool = False):
    """Parse one value: a scalar, or (outside a list) an inline list of scalars."""
    text = text.strip()
    if text.startswith('"'):
        return _parse_quoted(text)
    if text.startswith("[") and not in_list:
        if not text.endswith("]"):
            raise ParseError(f"bad inline list: {text}")
        return [parse_scalar(x, in_list=True) for x in _split_inline_list(text[1:-1])]
    if text in ("true", "false"):
        return text == "true"
    if _INT_RE.fullmatch(text):
        return int(text)
    if _FLOAT_RE.fullmatch(text):
        return float(text)
    if not _plain_is_string(text) or (in_list and any(c in text for c in "[]{}")):
        raise ParseError(f"plain scalar that YAML would misread: {text!r} (quote it)")
    return text


def parse_yaml(lines: list[str]) -> dict:
    """Parse front-matter lines (without the `---` fences) into nested dicts."""
    root: dict = {}
    stack = [(-1, root)]  # (indent, mapping)
    opened: list[tuple[int, str, dict]] = []  # maps opened by `key:`, which must not stay empty
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        if "\t" in raw:
            raise ParseError(f"line {n}: tab character")
        indent = len(raw) - len(raw.lstrip(" "))
        if indent % 2:
            raise ParseError(f"line {n}: indent is not a multiple of 2")
        line = raw.strip()
        m = re.fullmatch(r"([A-Za-z0-9_]+):(?: (.*))?", line)
        if not m:
            raise ParseError(f"line {n}: expected `key: value`: {line!r}")
        key, value = m.group(1), m.group(2)
        if not _plain_is_string(key):
            raise ParseError(f"line {n}: key {key!r} is not a string to YAML")
        while stack and indent <= stack[-1][0]:
            stack.pop()
        if not stack:
            raise ParseError(f"line {n}: bad indentation")
        parent_indent, parent = stack[-1]
        if indent != parent_indent + 2 and not (parent is root and indent == 0):
            raise ParseError(f"line {n}: unexpected indentation")
        if key in parent:
            raise ParseError(f"line {n}: duplicate key {key}")
        if value is None or value.strip() == "":
            child: dict = {}
            parent[key] = child
            stack.append((indent, child))
            opened.append((n, key, child))
        else:
            parent[key] = parse_scalar(value)
    for n, key, child in opened:
        if not child:
            raise ParseError(f"line {n}: `{key}:` has neither a value nor a nested map "
                             f"(YAML reads null)")
    return root


def read_doc(path: str) -> tuple[dict, str]:
    """Return (front matter dict, body text) of a source document."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if not lines or lines[0] != "---":
        raise ParseError("file does not start with a `---` line")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise ParseError("front matter is not closed by a `---` line") from None
    return parse_yaml(lines[1:end]), "\n".join(lines[end + 1:])
