"""Xero's ``where`` and ``order`` query parameters: a small parser and evaluator.

Grammar (keywords and function names are case-insensitive)::

    expr       := and_expr (("OR" | "||") and_expr)*
    and_expr   := unary (("AND" | "&&") unary)*
    unary      := ("NOT" | "!") unary | "(" expr ")" | comparison
    comparison := operand [("==" | "=" | "!=" | ">=" | "<=" | ">" | "<") operand]
    operand    := literal | path ("." method "(" [args] ")")*
    path       := IDENT ("." IDENT)*          e.g. Name, Contact.ContactID
    literal    := "string" | number | true | false | null
                | DateTime(y, m, d[, h, mi, s]) | Guid("...")

Semantics, chosen strictly where Xero's are not documented:

* string ``==``/``!=`` and ``Contains``/``StartsWith``/``EndsWith`` are
  case-sensitive (use ``ToLower()``/``ToUpper()`` for the other kind);
* GUIDs (``Guid("...")`` or a field ending in ``ID``) compare case-insensitively;
* a missing field and an empty string are both ``null``;
* calling a method on a ``null`` field is an error (as in Xero, which answers
  with an exception unless guarded by ``Field != null &&``);
* ``/Date(...)/`` fields compare with ``DateTime(...)`` literals.
"""

import re
import uuid
from datetime import datetime, timezone

from .wire import parse_ms_date


class QueryError(ValueError):
    """The where/order expression cannot be parsed or evaluated."""


_TOKEN_RE = re.compile(r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|>=|<=|&&|\|\||[=<>!(),.])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.VERBOSE)

_METHODS = {
    "contains": lambda value, arg: arg in value,
    "startswith": lambda value, arg: value.startswith(arg),
    "endswith": lambda value, arg: value.endswith(arg),
    "tolower": lambda value: value.lower(),
    "toupper": lambda value: value.upper(),
    "trim": lambda value: value.strip(),
}
_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}


def tokenize(text):
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"Unexpected character at position {pos} in '{text}'")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Guid(str):
    """A GUID literal: compared case-insensitively."""


class _Parser:
    def __init__(self, text, fields):
        self.tokens = tokenize(text)
        self.pos = 0
        self.fields = fields
        self.text = text

    def peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else (None, None)

    def take(self, value=None):
        kind, token = self.peek()
        if kind is None or (value is not None and token != value):
            raise QueryError(f"Syntax error in '{self.text}': expected {value or 'more'}")
        self.pos += 1
        return token

    def keyword(self, *words):
        kind, token = self.peek()
        if kind == "op" and token in words:
            return True
        return kind == "ident" and token.upper() in words

    def parse(self):
        node = self.expr()
        if self.pos != len(self.tokens):
            raise QueryError(f"Syntax error in '{self.text}' near '{self.peek()[1]}'")
        return node

    def expr(self):
        node = self.and_expr()
        while self.keyword("OR", "||"):
            self.pos += 1
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self):
        node = self.unary()
        while self.keyword("AND", "&&"):
            self.pos += 1
            node = ("and", node, self.unary())
        return node

    def unary(self):
        if self.keyword("NOT", "!"):
            self.pos += 1
            return ("not", self.unary())
        if self.peek() == ("op", "("):
            self.pos += 1
            node = self.expr()
            self.take(")")
            return node
        return self.comparison()

    def comparison(self):
        left = self.operand()
        kind, token = self.peek()
        if kind == "op" and token in ("==", "=", "!=", ">=", "<=", ">", "<"):
            self.pos += 1
            return ("cmp", "==" if token == "=" else token, left, self.operand())
        return ("truthy", left)

    def operand(self):
        kind, token = self.peek()
        if kind == "string":
            self.pos += 1
            return ("lit", re.sub(r"\\(.)", r"\1", token[1:-1]))
        if kind == "number":
            self.pos += 1
            return ("lit", float(token) if "." in token else int(token))
        if kind != "ident":
            raise QueryError(f"Syntax error in '{self.text}' near '{token}'")
        word = token.lower()
        if word in ("true", "false"):
            self.pos += 1
            return ("lit", word == "true")
        if word == "null":
            self.pos += 1
            return ("lit", None)
        if word in ("datetime", "guid") and self.peek(1) == ("op", "("):
            self.pos += 1
            return ("lit", self.constructor(word))
        return self.path()

    def constructor(self, word):
        args = self.args()
        if word == "guid":
            if len(args) != 1 or not isinstance(args[0], str):
                raise QueryError('Guid() takes one string, e.g. Guid("...")')
            try:
                return _Guid(str(uuid.UUID(args[0])))
            except ValueError:
                raise QueryError(f"'{args[0]}' is not a valid Guid") from None
        if not 3 <= len(args) <= 6 or not all(isinstance(a, int) for a in args):
            raise QueryError("DateTime() takes 3 to 6 integers: year, month, day[, hour, minute, second]")
        try:
            return datetime(*args, tzinfo=timezone.utc).timestamp()
        except ValueError as exc:
            raise QueryError(f"Invalid DateTime: {exc}") from None

    def args(self):
        self.take("(")
        values = []
        while self.peek() != ("op", ")"):
            node = self.operand()
            if node[0] != "lit":
                raise QueryError("Function arguments must be literals")
            values.append(node[1])
            if self.peek() == ("op", ","):
                self.pos += 1
        self.take(")")
        return values

    def path(self):
        names = [self.take()]
        methods = []
        while self.peek() == ("op", ".") and self.peek(1)[0] == "ident":
            name = self.peek(1)[1]
            if self.peek(2) == ("op", "("):
                if name.lower() not in _METHODS:
                    raise QueryError(f"No applicable method '{name}' exists")
                self.pos += 2
                methods.append((name.lower(), self.args()))
            elif methods:
                raise QueryError(f"Syntax error in '{self.text}' near '{name}'")
            else:
                self.pos += 2
                names.append(name)
        if names[0] not in self.fields:
            raise QueryError(f"No property or field '{names[0]}' exists")
        return ("path", tuple(names), tuple(methods))


def _resolve(record, names):
    value = record
    for name in names:
        value = value.get(name) if isinstance(value, dict) else None
    if value == "":
        return None
    stamp = parse_ms_date(value)
    if stamp is not None:
        return stamp
    if names[-1].endswith("ID") and isinstance(value, str):
        return _Guid(value.lower())
    return value


def _evaluate(node, record):
    op = node[0]
    if op == "lit":
        return node[1]
    if op == "path":
        _, names, methods = node
        value = _resolve(record, names)
        for name, args in methods:
            if value is None:
                raise QueryError(f"Method '{name}' cannot be applied to null field '{'.'.join(names)}'")
            if not isinstance(value, str):
                raise QueryError(f"Method '{name}' applies to text fields only")
            try:
                value = _METHODS[name](value, *args)
            except TypeError:
                raise QueryError(f"Wrong arguments for '{name}'") from None
        return value
    if op == "and":
        return bool(_evaluate(node[1], record)) and bool(_evaluate(node[2], record))
    if op == "or":
        return bool(_evaluate(node[1], record)) or bool(_evaluate(node[2], record))
    if op == "not":
        return not _evaluate(node[1], record)
    if op == "truthy":
        return _evaluate(node[1], record) is True
    _, cmp, left, right = node
    a, b = _evaluate(left, record), _evaluate(right, record)
    if isinstance(a, _Guid) or isinstance(b, _Guid):
        a, b = (v.lower() if isinstance(v, str) else v for v in (a, b))
    if cmp in ("==", "!="):
        return _COMPARE[cmp](a, b)
    if a is None or b is None:
        return False
    try:
        return _COMPARE[cmp](a, b)
    except TypeError:
        raise QueryError(f"Operator '{cmp}' cannot compare {a!r} and {b!r}") from None


def compile_where(text, fields):
    """Parse ``text``; returns ``predicate(record) -> bool`` (may raise QueryError)."""
    tree = _Parser(text, fields).parse()
    return lambda record: bool(_evaluate(tree, record))


def compile_order(text, fields):
    """``"Name ASC, UpdatedDateUTC DESC"`` -> ``[(path tuple, descending)]``."""
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryError(f"Invalid order clause '{part.strip()}'")
        names = tuple(words[0].split("."))
        if names[0] not in fields:
            raise QueryError(f"No property or field '{names[0]}' exists")
        keys.append((names, len(words) == 2 and words[1].upper() == "DESC"))
    return keys


def sort_records(records, keys):
    """Stable multi-key sort; text compares case-insensitively, nulls first when ascending."""
    def sort_key(names):
        def key(record):
            value = _resolve(record, names)
            if value is None:
                return (0, "")
            if isinstance(value, bool):
                return (1, int(value))
            if isinstance(value, (int, float)):
                return (1, value)
            return (2, str(value).casefold())
        return key

    result = list(records)
    for names, descending in reversed(keys):
        result.sort(key=sort_key(names), reverse=descending)
    return result
