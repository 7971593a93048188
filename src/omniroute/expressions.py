"""Attribute expressions: eligibility written the way platforms write it.

``language IN ["es", "en"] AND tier >= 2 AND NOT vip_only`` is parsed once into an
:class:`Expression` (an immutable, hashable value keeping its source text) and compiled
into nested closures; :meth:`Expression.evaluate` answers it for an agent and a contact.

Grammar (keywords are case-insensitive)::

    expr     := or
    or       := and ("OR" and)*
    and      := not ("AND" not)*
    not      := "NOT" not | "(" expr ")" | test
    test     := value [cmp value | "IN" list | "NOT" "IN" list | "HAS" value]
    cmp      := "==" | "!=" | "<" | "<=" | ">" | ">="
    list     := "[" [scalar ("," scalar)*] "]" | name
    value    := scalar | name
    scalar   := "string" | 'string' | number | TRUE | FALSE

Names: a bare name is an attribute of the agent (``Agent.attributes``), except the agent's
built-ins ``id``, ``tier`` and ``team``; ``skills.<skill>`` is the agent's level in a skill
(0 without it); ``contact.<name>`` (alias ``task.<name>``) is an attribute of the contact.
A test alone (``vip_only``, ``NOT vip_only``) holds when the value is ``true``.

Evaluation, as TaskRouter does it: a missing attribute or a type mismatch makes a
comparison false (so ``NOT x == 1`` holds for an agent without ``x`` while ``x != 1`` does
not).  Numbers compare with numbers, strings with strings (ordered too), booleans with
booleans, lists with lists (``==`` only).  ``x IN list`` holds when some element equals
``x``; ``x NOT IN list`` when ``list`` is a list and none does; ``list HAS x`` when the
list attribute holds ``x``.

A syntax error raises :class:`~omniroute.errors.ExpressionError` naming the field, showing
the expression with a caret under the column, and saying what was expected.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from .errors import ExpressionError

__all__ = ["Expression", "MISSING", "BUILTINS", "bind", "requirement", "check_expressions",
           "expression_problems", "indexed_names", "agent_tags", "lookup", "bound"]

#: The agent's built-in names (an agent attribute may not take them).
BUILTINS = ("id", "tier", "team", "skills")
_KEYWORDS = ("and", "or", "not", "in", "has", "true", "false")
_CMP = ("==", "!=", "<=", ">=", "<", ">")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
""", re.VERBOSE)


class _Missing:
    """The value of an attribute that is not there: every comparison with it is false."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# ------------------------------------------------------------------ tokens and parser
def _tokens(source: str, field: str) -> list[tuple[str, Any, int]]:
    """``(kind, value, column)`` triples, columns counted from 1; kinds: number, string,
    name, keyword, op, end."""
    out: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            ch = source[pos]
            what = ("expected a closing quote" if ch in "\"'"
                    else f"expected a value, a name or an operator, got {ch!r}")
            raise ExpressionError(field, source, pos + 1, what)
        kind = m.lastgroup or ""
        text = m.group()
        if kind == "number":
            out.append(("number", float(text) if any(c in text for c in ".eE") else int(text), pos + 1))
        elif kind == "string":
            out.append(("string", re.sub(r"\\(.)", r"\1", text[1:-1]), pos + 1))
        elif kind == "name":
            low = text.lower()
            out.append(("keyword", low, pos + 1) if low in _KEYWORDS else ("name", text, pos + 1))
        elif kind == "op":
            out.append(("op", text, pos + 1))
        pos = m.end()
    out.append(("end", None, len(source) + 1))
    return out


class _Parser:
    """Recursive descent over the tokens; builds the tree of nested tuples (see
    :attr:`Expression.tree`)."""

    def __init__(self, source: str, field: str) -> None:
        self.source = source
        self.field = field
        self.toks = _tokens(source, field)
        self.i = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.toks[self.i]

    def fail(self, expected: str) -> ExpressionError:
        kind, value, col = self.peek()
        got = ("the end" if kind == "end" else repr(value) if kind == "string"
               else value.upper() if kind == "keyword" else str(value))
        return ExpressionError(self.field, self.source, col, f"{expected}, got {got}")

    def keyword(self, word: str) -> bool:
        kind, value, _ = self.peek()
        if kind == "keyword" and value == word:
            self.i += 1
            return True
        return False

    def op(self, sym: str) -> bool:
        kind, value, _ = self.peek()
        if kind == "op" and value == sym:
            self.i += 1
            return True
        return False

    def parse(self) -> tuple:
        if self.peek()[0] == "end":
            raise self.fail("expected a condition")
        tree = self.or_()
        if self.peek()[0] != "end":
            raise self.fail("expected AND, OR or the end")
        return tree

    def or_(self) -> tuple:
        left = self.and_()
        while self.keyword("or"):
            left = ("or", left, self.and_())
        return left

    def and_(self) -> tuple:
        left = self.not_()
        while self.keyword("and"):
            left = ("and", left, self.not_())
        return left

    def not_(self) -> tuple:
        if self.keyword("not"):
            return ("not", self.not_())
        if self.op("("):
            inner = self.or_()
            if not self.op(")"):
                raise self.fail("expected ')' or AND/OR")
            return inner
        return self.test()

    def test(self) -> tuple:
        col = self.peek()[2]
        left = self.value("expected a condition (a name, a value, NOT or '(')")
        kind, value, _ = self.peek()
        if kind == "op" and value in _CMP:
            self.i += 1
            return ("cmp", value, left, self.value(f"expected a value after {value!r}"))
        if self.keyword("in"):
            return ("in", left, self.list_())
        if kind == "keyword" and value == "not" and self.toks[self.i + 1][:2] == ("keyword", "in"):
            self.i += 2
            return ("notin", left, self.list_())
        if self.keyword("has"):
            return ("has", left, self.value("expected a value after HAS"))
        if left[0] == "lit" and not isinstance(left[1], bool):
            raise self.fail(f"expected a comparison (==, !=, <, <=, >, >=, IN, NOT IN, HAS) "
                            f"after the value at column {col}")
        return ("truth", left)

    def list_(self) -> tuple:
        if not self.op("["):
            if self.peek()[0] == "name":
                return self.value("expected a list")
            raise self.fail("expected a list '[...]' or a list attribute")
        items: list[Any] = []
        if not self.op("]"):
            while True:
                node = self.value("expected a string, number, true or false in the list")
                if node[0] != "lit":
                    self.i -= 1
                    raise self.fail("expected a string, number, true or false in the list")
                items.append(node[1])
                if self.op("]"):
                    break
                if not self.op(","):
                    raise self.fail("expected ',' or ']'")
        return _lit(tuple(items))

    def value(self, expected: str) -> tuple:
        kind, value, col = self.peek()
        if kind in ("number", "string"):
            if kind == "number" and isinstance(value, float) and not math.isfinite(value):
                raise self.fail("expected a finite number")
            self.i += 1
            return _lit(value)
        if kind == "keyword" and value in ("true", "false"):
            self.i += 1
            return _lit(value == "true")
        if kind == "name":
            self.i += 1
            return _name(value, self.field, self.source, col)
        raise self.fail(expected)


def _sig(v: Any) -> str:
    """The literal's types: in a tree, ``1`` and ``true`` must differ (Python's ``1 == True``)."""
    k = _kind(v)
    return "l(" + ",".join(_sig(x) for x in v) + ")" if k == 4 else "mbns"[k]


def _lit(v: Any) -> tuple:
    """A literal node ``("lit", value, types)``."""
    return ("lit", v, _sig(v))


def _name(text: str, field: str, source: str, col: int) -> tuple:
    head, _, rest = text.partition(".")
    low = head.lower()
    if not rest:
        return ("builtin", low) if low in ("id", "tier", "team") else ("agent", text)
    if "." in rest:
        raise ExpressionError(field, source, col, f"expected a name with one dot at most (contact.x, task.x, skills.x), got {text}")
    if low in ("contact", "task"):
        return ("contact", rest)
    if low == "skills":
        return ("skill", rest)
    raise ExpressionError(field, source, col,
                          f"expected a name, got {text} (dotted names start with contact., task. or skills.)")


# ------------------------------------------------------------------ values
def _kind(v: Any) -> int:
    """1 bool, 2 number, 3 string, 4 list; 0 anything else (missing, null, a table)."""
    t = type(v)
    if t is bool:
        return 1
    if t is int or t is float:
        return 2
    if t is str:
        return 3
    if t is list or t is tuple:
        return 4
    return 0


def _eq(x: Any, y: Any) -> bool:
    k = _kind(x)
    if not k or k != _kind(y):
        return False
    if k == 4:
        return len(x) == len(y) and all(_eq(a, b) for a, b in zip(x, y, strict=True))
    return bool(x == y)


def _ne(x: Any, y: Any) -> bool:
    k = _kind(x)
    return bool(k) and k == _kind(y) and not _eq(x, y)


def _ordered(op: str) -> Callable[[Any, Any], bool]:
    fn = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def compare(x: Any, y: Any) -> bool:
        k = _kind(x)
        return (k == 2 or k == 3) and k == _kind(y) and bool(fn(x, y))

    return compare


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": _eq, "!=": _ne, **{op: _ordered(op) for op in ("<", "<=", ">", ">=")}}


def _contains(items: Any, x: Any) -> bool:
    return _kind(items) == 4 and any(_eq(x, v) for v in items)


def _notin(items: Any, x: Any) -> bool:
    return _kind(items) == 4 and _kind(x) != 0 and not any(_eq(x, v) for v in items)


def _hashable(v: Any) -> Any:
    """A contact's value as a literal of the bound tree (lists as tuples; tables and nulls
    compare false with everything, as a missing value does)."""
    k = _kind(v)
    if k == 4:
        return tuple(_hashable(x) for x in v)
    return v if k else MISSING


# ------------------------------------------------------------------ compiling
_Pred = Callable[[Any], bool]


def _getter(node: tuple) -> Callable[[Any], Any]:
    kind, name = node[0], node[1]
    if kind == "lit":
        return lambda a: name
    if kind == "agent":
        return lambda a: a.attributes.get(name, MISSING)
    if kind == "skill":
        return lambda a: a.skills.get(name, 0)
    if kind == "builtin":
        if name == "team":
            return lambda a: MISSING if a.team is None else a.team
        return (lambda a: a.tier) if name == "tier" else (lambda a: a.id)
    raise AssertionError(f"unbound contact reference {node!r}")  # bind() replaces them


def _compile(tree: tuple) -> _Pred:
    """The tree as a predicate of one agent (``AgentState`` or :class:`~omniroute.Agent`:
    both have ``id``, ``tier``, ``team``, ``skills`` and ``attributes``)."""
    op = tree[0]
    if op == "and":
        left, right = _compile(tree[1]), _compile(tree[2])
        return lambda a: left(a) and right(a)
    if op == "or":
        left, right = _compile(tree[1]), _compile(tree[2])
        return lambda a: left(a) or right(a)
    if op == "not":
        inner = _compile(tree[1])
        return lambda a: not inner(a)
    if op == "truth":
        get = _getter(tree[1])
        return lambda a: get(a) is True
    if op == "cmp":
        fn = _COMPARE[tree[1]]
        lhs, rhs = tree[2], tree[3]
        gl = _getter(lhs)
        if rhs[0] == "lit":  # the common form, name op literal: one call fewer
            v = rhs[1]
            return lambda a: fn(gl(a), v)
        gr = _getter(rhs)
        return lambda a: fn(gl(a), gr(a))
    gx, gl = _getter(tree[1]), _getter(tree[2])
    if op == "in":
        return lambda a: _contains(gl(a), gx(a))
    if op == "notin":
        return lambda a: _notin(gl(a), gx(a))
    if op == "has":  # list HAS value: tree[1] is the list
        return lambda a: _contains(gx(a), gl(a))
    raise AssertionError(f"unknown node {tree!r}")


@functools.lru_cache(maxsize=4096)
def _compiled(tree: tuple) -> _Pred:
    """One predicate per distinct tree: contacts with the same bound tree share it (the
    waiting index files them together)."""
    return _compile(tree)


def _walk(tree: Any) -> Iterable[tuple]:
    if isinstance(tree, tuple) and tree and isinstance(tree[0], str):
        if tree[0] in ("agent", "skill", "builtin", "contact", "lit"):
            yield tree
        else:
            for sub in tree[1:]:
                if isinstance(sub, tuple):
                    yield from _walk(sub)


def _bind_tree(tree: tuple, values: Mapping[str, Any]) -> tuple:
    if tree[0] == "contact":
        return _lit(_hashable(values.get(tree[1], MISSING)))
    if tree[0] in ("agent", "skill", "builtin", "lit"):
        return tree
    return (tree[0], *(_bind_tree(t, values) if isinstance(t, tuple) else t for t in tree[1:]))


@attrs.frozen(slots=True)
class Expression:
    """An attribute expression, parsed once (see :mod:`omniroute.expressions`).

    ``Expression('language IN ["es", "en"] AND tier >= 2')``; ``source`` is the text as
    written, ``tree`` its parse (nested tuples, equal for equal meaning up to spacing and
    keyword case).  Two expressions are equal when their trees are.
    """

    source: str = attrs.field(eq=False)
    tree: tuple = attrs.field(init=False, repr=False)
    # Machinery for bound(): the contact attributes read, in order; the (predicate, lookup)
    # pair when it reads none; otherwise the pairs by the values read (a cache).
    _reads: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)
    _static: Any = attrs.field(init=False, repr=False, eq=False)
    _cache: dict = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.source, str):
            raise ExpressionError("Expression.source", repr(self.source), 1,
                                  "expected the expression as a string")
        tree = _Parser(self.source, "Expression.source").parse()
        object.__setattr__(self, "tree", tree)
        reads = tuple(dict.fromkeys(n[1] for n in _walk(tree) if n[0] == "contact"))
        object.__setattr__(self, "_reads", reads)
        object.__setattr__(self, "_static", None if reads else (_compiled(tree), _lookup(tree)))
        object.__setattr__(self, "_cache", {})

    @classmethod
    def parse(cls, source: Any, field: str = "expression") -> Expression:
        """``Expression(source)`` with errors naming ``field`` (e.g. ``Queue.requires``)."""
        try:
            return cls(source)
        except ExpressionError as exc:
            raise exc.renamed(field) from None

    @property
    def agent_names(self) -> frozenset[str]:
        """The agent attributes it reads (built-ins and skills aside)."""
        return frozenset(n[1] for n in _walk(self.tree) if n[0] == "agent")

    @property
    def skills(self) -> frozenset[str]:
        """The skills whose levels it reads (``skills.<skill>``)."""
        return frozenset(n[1] for n in _walk(self.tree) if n[0] == "skill")

    @property
    def contact_names(self) -> frozenset[str]:
        """The contact attributes it reads (``contact.<name>`` / ``task.<name>``)."""
        return frozenset(n[1] for n in _walk(self.tree) if n[0] == "contact")

    def evaluate(self, agent: Any, contact: Any = None) -> bool:
        """Does ``agent`` (an :class:`~omniroute.Agent`) pass, for ``contact`` (an
        :class:`~omniroute.Contact`, or None: its attributes all missing)?"""
        return bind(self, {} if contact is None else contact.attributes)(agent)

    def __str__(self) -> str:
        return self.source

    def __reduce__(self) -> tuple:
        # the source alone: the compiled closures are rebuilt on the other side (pickle
        # cannot carry them to another process)
        return (Expression, (self.source,))


# ------------------------------------------------------------------ the index's part
# Conjuncts the agent index can serve: ``name == value`` (or ``name IN [value]``) files the
# agent under the pseudo-skill "\0name=value", ``list HAS value`` under "\0list\1value"
# (one per element of the agent's list), and ``skills.x >= n`` (n > 0) under the skill x.
_TAG = "\x00"


def _canon(v: Any) -> str:
    """A scalar's text in a tag: equal under ``==`` (2 and 2.0) gives equal text."""
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if type(v) is float and v.is_integer():
        return repr(int(v))
    return repr(v)


def _eq_tag(name: str, v: Any) -> str:
    return f"{_TAG}{name}={_canon(v)}"


def _has_tag(name: str, v: Any) -> str:
    return f"{_TAG}{name}\x01{_canon(v)}"


def _conjuncts(t: tuple) -> Iterable[tuple]:
    if t[0] == "and":
        yield from _conjuncts(t[1])
        yield from _conjuncts(t[2])
    else:
        yield t


def _scalar(node: tuple) -> bool:
    return node[0] == "lit" and _kind(node[1]) in (1, 2, 3)


def _atom(t: tuple, value: Callable[[tuple], bool]) -> tuple[str, str, Any] | None:
    """``(form, name, value node)`` of a conjunct the index serves ("eq", "has", "skill"),
    or None; ``value(node)`` says which value nodes qualify."""
    if t[0] == "cmp" and t[1] == "==":
        left, right = (t[3], t[2]) if t[2][0] != "agent" else (t[2], t[3])
        if left[0] == "agent" and value(right):
            return ("eq", left[1], right)
    if t[0] == "in" and t[1][0] == "agent" and t[2][0] == "lit" and len(t[2][1]) == 1:
        one = _lit(t[2][1][0])
        if value(one):
            return ("eq", t[1][1], one)
    if t[0] == "has" and t[1][0] == "agent" and value(t[2]):
        return ("has", t[1][1], t[2])
    if t[0] == "cmp" and t[2][0] == "skill" and t[3][0] == "lit" and _kind(t[3][1]) == 2:
        n = t[3][1]
        if (t[1] in (">=", "==") and n > 0) or (t[1] == ">" and n >= 0):
            return ("skill", t[2][1], t[3])
    return None


def indexed_names(exprs: Iterable[Expression]) -> frozenset[str]:
    """The agent attributes that ``exprs`` test in conjuncts the index can serve (with a
    value or a contact attribute): the router files agents under their values."""
    out = set()
    for expr in exprs:
        for t in _conjuncts(expr.tree):
            atom = _atom(t, lambda n: _scalar(n) or n[0] == "contact")
            if atom is not None and atom[0] != "skill":
                out.add(atom[1])
    return frozenset(out)


def agent_tags(attributes: Mapping[str, Any], names: Iterable[str]) -> tuple[str, ...]:
    """The pseudo-skills an agent with ``attributes`` is filed under, for attributes ``names``."""
    out = set()
    for name in names:
        v = attributes.get(name, MISSING)
        k = _kind(v)
        if k in (1, 2, 3):
            out.add(_eq_tag(name, v))
        elif k == 4:
            out.update(_has_tag(name, x) for x in v if _kind(x) in (1, 2, 3))
    return tuple(sorted(out))


@functools.lru_cache(maxsize=4096)
def _lookup(tree: tuple) -> tuple[str, ...]:
    out = set()
    for t in _conjuncts(tree):
        atom = _atom(t, _scalar)
        if atom is None:
            continue
        form, name, node = atom
        out.add(name if form == "skill" else _eq_tag(name, node[1]) if form == "eq"
                else _has_tag(name, node[1]))
    return tuple(sorted(out))


def _value_key(v: Any) -> Any:
    """A contact value as a cache key: ``1`` and ``true`` must differ."""
    if type(v) is str:
        return v
    h = _hashable(v)
    return (_sig(h), h)


def bound(expr: Expression, attributes: Mapping[str, Any]) -> tuple[_Pred, tuple[str, ...]]:
    """``expr`` with a contact's ``attributes`` put in: ``(predicate, lookup)``, the
    predicate of the agent alone and the names the index looks under (see :func:`lookup`).

    Computed once per distinct combination of the values read (cached on the expression);
    contacts whose attributes give the same bound expression get the same predicate object,
    so the router's waiting index files them together.
    """
    reads = expr._reads
    if not reads:
        return expr._static  # type: ignore[no-any-return]
    key = tuple([_value_key(attributes.get(n, MISSING)) for n in reads])
    cache = expr._cache
    got = cache.get(key)
    if got is None:
        if len(cache) >= 4096:  # memory stays bounded; predicates stay shared (lru above)
            cache.clear()
        tree = _bind_tree(expr.tree, attributes)
        got = cache[key] = (_compiled(tree), _lookup(tree))
    return got  # type: ignore[no-any-return]


def lookup(expr: Expression, attributes: Mapping[str, Any]) -> tuple[str, ...]:
    """The skills and pseudo-skills every agent passing ``expr`` (bound to a contact's
    ``attributes``) is filed under: the agent index looks there first."""
    return bound(expr, attributes)[1]


def bind(expr: Expression, attributes: Mapping[str, Any]) -> _Pred:
    """``expr`` with the contact's ``attributes`` put in: a predicate of the agent alone."""
    return bound(expr, attributes)[0]


def requirement(field: str, value: Any) -> Expression | None:
    """``value`` (None, a string or an :class:`Expression`) as an expression, for a field
    such as ``Queue.requires``; a syntax error names ``field``."""
    if value is None or isinstance(value, Expression):
        return value
    if not isinstance(value, str):
        raise ExpressionError(field, repr(value), 1, "expected the expression as a string or None")
    return Expression.parse(value, field)


def _column(source: str, text: str) -> int:
    """The column of name ``text``'s first use in ``source`` (1 if not found)."""
    try:
        toks = _tokens(source, "")
    except ExpressionError:
        return 1
    return next((col for kind, value, col in toks if kind == "name" and value == text), 1)


def expression_problems(queues: Iterable[Any], agents: Iterable[Any],
                        contact_names: Iterable[str] | None = None,
                        where: Callable[[int, Any], str] | None = None) -> list[ExpressionError]:
    """Each agent attribute or skill that the queues' expressions read and no agent of
    ``agents`` declares, as an :class:`~omniroute.errors.ExpressionError` pointing at it;
    with ``contact_names`` (the attributes contacts may carry), each contact attribute read
    outside them too.  ``where(i, queue)`` prefixes the field (default ``Queue 'name'.``)."""
    agents = list(agents)
    names = sorted({k for a in agents for k in a.attributes})
    skills = sorted({k for a in agents for k in a.skills})
    carried = None if contact_names is None else sorted(set(contact_names))
    out = []
    for i, q in enumerate(queues):
        head = where(i, q) if where is not None else f"Queue {q.name!r}."
        for field, expr in q.expressions():
            where_ = head + field
            for n in dict.fromkeys(_walk(expr.tree)):  # each name once, in order
                if n[0] == "contact" and carried is not None and n[1] not in carried:
                    col = next((c for kind, v, c in _tokens(expr.source, "") if kind == "name"
                                and v.partition(".")[2] == n[1] and v.split(".")[0].lower() in ("contact", "task")), 1)
                    out.append(ExpressionError(
                        where_, expr.source, col,
                        f"contacts carry no attribute {n[1]!r} here" + (f"; they carry {carried}" if carried
                                                                         else " (they carry none)")))
                elif n[0] == "agent" and n[1] not in names:
                    out.append(ExpressionError(
                        where_, expr.source, _column(expr.source, n[1]),
                        f"no agent has the attribute {n[1]!r}; agents declare {names}"))
                elif n[0] == "skill" and n[1] not in skills:
                    out.append(ExpressionError(
                        where_, expr.source, _column(expr.source, f"skills.{n[1]}"),
                        f"no agent has the skill {n[1]!r}; agents have {skills}"))
    return out


def check_expressions(queues: Iterable[Any], agents: Iterable[Any]) -> None:
    """Refuse, before anything runs, an expression of ``queues`` that reads an agent
    attribute or a skill no agent of ``agents`` declares (a typo would otherwise make the
    expression false for everyone, silently): raises the first
    :class:`~omniroute.errors.ExpressionError`, its message saying how many there are.

    The router itself does not check (agents may join later, with new attributes); call
    this where the agents are known.  Contact attributes cannot be checked before contacts
    arrive: a missing one makes its comparison false.
    """
    problems = expression_problems(queues, agents)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ExpressionError(first.field, first.source, first.column, first.expected + more)
