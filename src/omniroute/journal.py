"""A journal of a router's accepted calls, and replay.

:class:`JournaledRouter` is the :class:`~omniroute.Router` API (like
:class:`~omniroute.LockedRouter`): every call the router *accepts* is appended to a journal
with its arguments, its ``now`` and the assignments it returned; a refused call (the router
raised) changes nothing and writes nothing.  The journal's header records how the router was
built: its queues and its policies (by kind and parameters, the random generator's exact
state included).  :func:`replay` rebuilds the router from a journal, re-applies every call
and checks each returned decision against the recorded one, bit for bit (reasons and scores
included); it reports the first divergence if the code or the policy changed.

Backends (same records): :class:`SQLiteJournal` (the default; a ``.sqlite``/``.db`` or any
non-``.jsonl`` path) and :class:`JSONLinesJournal` (``.jsonl``, for export and import;
:func:`copy_journal` converts).  Durability is described in ``docs/live.md``: with SQLite in
WAL mode, a call returns only after its record is committed (``synchronous=FULL`` by default:
on disk even after a power cut; ``"normal"``: survives a crash of the process, the last
commits may be lost on power loss).  After a crash the journal holds exactly the calls
committed; recovery is :meth:`JournaledRouter.resume`: the latest checkpoint (a router
snapshot written with the call it follows, every ``checkpoint_every`` calls or on
:meth:`JournaledRouter.checkpoint`), then a replay of the calls after it, checked.

A custom (non built-in) policy cannot be written in the header: journaling it is allowed
only with ``custom_policies=True``, and such a journal replays only when the caller passes
the policy again (``replay(path, agent_policy=factory())``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

import attrs

from . import serial
from ._checks import real
from .agents import Agent
from .assignment import Assignment
from .contacts import Contact
from .errors import OmnirouteError, SnapshotError
from .policies import AgentPolicy, ContactPolicy
from .queues import Queue
from .router import Router
from .views import AgentView, WaitingView

__all__ = [
    "FORMAT", "VERSION", "JournalError", "Journal", "SQLiteJournal", "JSONLinesJournal", "open_journal",
    "copy_journal", "JournaledRouter", "Divergence", "ReplayResult", "replay", "CALLS",
]

FORMAT = "omniroute-journal"
#: The record format's version; a journal of another version is refused, naming both.
VERSION = 1

#: The mutating calls a journal records, with their argument names after ``now``.
CALLS: dict[str, tuple[str, ...]] = {
    "add_agent": ("agent",), "remove_agent": ("agent_id",), "set_available": ("agent_id",),
    "set_away": ("agent_id", "reason"), "logout": ("agent_id",), "submit": ("contact",),
    "complete": ("contact_id", "wrap_up"), "abandon": ("contact_id",), "decline": ("contact_id", "away"),
    "transfer": ("contact_id", "queue", "needs", "wrap_up"), "tick": (),
}


class JournalError(OmnirouteError, ValueError):
    """A journal cannot be read or written: truncated, another version, two writers, ..."""


# ====================================================================== backends
class Journal(ABC):
    """A journal backend: one header, then records numbered 1, 2, 3... without gaps, and
    checkpoints: ``{"seq": n, "snapshot": ...}``, the router's snapshot after record ``n``."""

    path: Path

    @abstractmethod
    def header(self) -> dict[str, Any]:
        """The header written first."""

    @abstractmethod
    def write_header(self, header: dict[str, Any]) -> None:
        """Write the header of a new journal."""

    @abstractmethod
    def records(self, after: int = 0) -> Iterator[dict[str, Any]]:
        """The records numbered after ``after``, in order."""

    @abstractmethod
    def append(self, records: list[dict[str, Any]], checkpoint: dict[str, Any] | None = None) -> None:
        """Write ``records`` and ``checkpoint`` (one for the last record, or the last
        written if ``records`` is empty) in one transaction (all or none)."""

    @abstractmethod
    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The latest checkpoint ``{"seq": n, "snapshot": ...}``, or None."""

    def close(self) -> None:  # noqa: B027 - optional: a backend with nothing to release keeps it
        """Release the backend's resources (nothing by default)."""

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_header(path: Path, header: Any) -> dict[str, Any]:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise JournalError(f"{path}: not an omniroute journal (no '{FORMAT}' header)")
    if header.get("version") != VERSION:
        raise JournalError(f"{path}: journal format version {header.get('version')!r}; this omniroute "
                           f"reads version {VERSION} only (replay it with the version that wrote it and "
                           "export it again)")
    return header


def _check_checkpoint(path: Path, cp: Any, written: int) -> dict[str, Any]:
    """``cp`` as a checkpoint of a journal of ``written`` records, or an error."""
    if not isinstance(cp, dict) or set(cp) != {"seq", "snapshot"} or not isinstance(cp["snapshot"], dict) \
            or isinstance(cp["seq"], bool) or not isinstance(cp["seq"], int) or not 0 < cp["seq"] <= written:
        got = {k: v for k, v in cp.items() if k != "snapshot"} if isinstance(cp, dict) else cp
        raise JournalError(f"{path}: malformed checkpoint {got!r}: one of the {written} records written "
                           "and its snapshot expected")
    return cp


def _check_seq(path: Path, expected: int, rec: Any) -> dict[str, Any]:
    if not isinstance(rec, dict) or rec.get("seq") != expected:
        got = rec.get("seq") if isinstance(rec, dict) else rec
        raise JournalError(f"{path}: record {expected} expected, found {got!r}: the journal has a gap or "
                           "two writers interleaved")
    return rec


_CHECKPOINTS = "CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, json TEXT NOT NULL)"


class SQLiteJournal(Journal):
    """A SQLite file in WAL mode: table ``header`` (one JSON row), table ``calls`` (seq, JSON),
    table ``checkpoints`` (seq, JSON snapshot; only the latest is kept).

    ``mode``: "r" read, "w" create (refused if the file has records), "a" append to an
    existing journal.  A writer takes an exclusive lock on ``PATH.lock`` (released by the
    operating system if the process dies); a second writer is refused.  Even without that
    lock (a file system without ``flock``), records are keyed by their number, so two
    writers' records collide and the second is refused instead of interleaving.
    """

    def __init__(self, path: str | os.PathLike[str], mode: str = "r", synchronous: str = "full") -> None:
        if mode not in ("r", "w", "a"):
            raise JournalError(f"SQLiteJournal.mode must be 'r', 'w' or 'a' (got {mode!r})")
        if synchronous not in ("full", "normal"):
            raise JournalError(f"SQLiteJournal.synchronous must be 'full' or 'normal' (got {synchronous!r})")
        self.path = Path(path)
        self.mode = mode
        self._lock_fd: int | None = None
        if mode == "r" and not self.path.exists():
            raise JournalError(f"{self.path}: no such journal")
        if mode != "r":
            self._lock()
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            self.close()
            raise JournalError(f"{self.path}: not a readable SQLite journal ({exc})") from None
        if mode == "w":
            if tables & {"header", "calls"}:
                self.close()
                raise JournalError(f"{self.path}: a journal already exists here; resume it or choose a new path")
            self._db.executescript(
                "CREATE TABLE header (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);"
                "CREATE TABLE calls (seq INTEGER PRIMARY KEY, json TEXT NOT NULL);"
                f"{_CHECKPOINTS};")
        elif not {"header", "calls"} <= tables:
            self.close()
            raise JournalError(f"{self.path}: not an omniroute journal (tables 'header' and 'calls' missing)")
        elif mode == "a" and "checkpoints" not in tables:  # a journal written before checkpoints
            self._db.execute(_CHECKPOINTS)
        self._checkpoints = mode != "r" or "checkpoints" in tables

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # no flock (Windows): the record keys still refuse a second writer
            return
        fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise JournalError(f"{self.path}: another process is writing this journal "
                               "(one writer at a time; readers are welcome)") from None
        self._lock_fd = fd

    def _query(self, sql: str, *args: Any) -> list[Any]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{self.path}: damaged journal ({exc})") from None

    def header(self) -> dict[str, Any]:
        rows = self._query("SELECT json FROM header WHERE id = 1")
        if not rows:
            raise JournalError(f"{self.path}: the journal has no header (it was never completely created)")
        return _check_header(self.path, _loads(self.path, rows[0][0], "header"))

    def write_header(self, header: dict[str, Any]) -> None:
        self._query("INSERT INTO header (id, json) VALUES (1, ?)", json.dumps(header))

    def records(self, after: int = 0) -> Iterator[dict[str, Any]]:
        last = after
        while True:  # in pages: a long day's journal need not sit in memory
            rows = self._query("SELECT seq, json FROM calls WHERE seq > ? ORDER BY seq LIMIT 1000", last)
            if not rows:
                return
            for seq, text in rows:
                yield _check_seq(self.path, last + 1, _loads(self.path, text, f"record {seq}"))
                last = seq

    def append(self, records: list[dict[str, Any]], checkpoint: dict[str, Any] | None = None) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT INTO calls (seq, json) VALUES (?, ?)",
                               [(r["seq"], json.dumps(r)) for r in records])
                if checkpoint is not None:  # with its call, and the only one kept
                    db.execute("INSERT OR REPLACE INTO checkpoints (seq, json) VALUES (?, ?)",
                               (checkpoint["seq"], json.dumps(checkpoint["snapshot"])))
                    db.execute("DELETE FROM checkpoints WHERE seq < ?", (checkpoint["seq"],))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.IntegrityError:
            first = records[0]["seq"] if records else None
            raise JournalError(f"{self.path}: record {first} was already written: another "
                               "process writes to this journal") from None
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: cannot write ({exc})") from None

    def latest_checkpoint(self) -> dict[str, Any] | None:
        if not self._checkpoints:
            return None
        rows = self._query("SELECT seq, json FROM checkpoints ORDER BY seq DESC LIMIT 1")
        if not rows:
            return None
        written = self._query("SELECT COALESCE(MAX(seq), 0) FROM calls")[0][0]
        cp = {"seq": rows[0][0], "snapshot": _loads(self.path, rows[0][1], f"checkpoint {rows[0][0]}")}
        return _check_checkpoint(self.path, cp, written)

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
            self._db = None  # type: ignore[assignment]
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _loads(path: Path, text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise JournalError(f"{path}: {what} is not valid JSON ({exc})") from None


class JSONLinesJournal(Journal):
    """JSON Lines: the header on line 1, then one record per line (for export and import);
    a checkpoint is a line ``{"checkpoint": n, "snapshot": ...}`` after record ``n`` (after
    the last record of its batch).

    Each append is written and flushed (``fsync`` with ``sync=True``).  A crash during an
    append can leave a last line without its newline: reading such a journal raises
    :class:`JournalError` naming the line, unless ``torn_tail="drop"``, which drops that
    incomplete last line (the call it held had not returned).  A bad line anywhere else
    is always an error.
    """

    def __init__(self, path: str | os.PathLike[str], mode: str = "r", torn_tail: str = "error",
                 sync: bool = False) -> None:
        if mode not in ("r", "w", "a"):
            raise JournalError(f"JSONLinesJournal.mode must be 'r', 'w' or 'a' (got {mode!r})")
        if torn_tail not in ("error", "drop"):
            raise JournalError(f"JSONLinesJournal.torn_tail must be 'error' or 'drop' (got {torn_tail!r})")
        self.path, self.mode, self.torn_tail, self.sync = Path(path), mode, torn_tail, sync
        if mode == "w" and self.path.exists() and self.path.stat().st_size:
            raise JournalError(f"{self.path}: a journal already exists here; choose a new path")
        if mode != "w" and not self.path.exists():
            raise JournalError(f"{self.path}: no such journal")
        self._file = open(self.path, "a" if mode != "r" else "r", encoding="utf-8")  # noqa: SIM115

    def _lines(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        torn = lines.pop()  # text after the last newline: "" unless the last write was cut
        for i, line in enumerate(lines, 1):
            yield i, _loads(self.path, line, f"line {i}")
        if torn:
            if self.torn_tail == "drop":
                return
            raise JournalError(f"{self.path}: line {len(lines) + 1} is incomplete (a write was cut off); "
                               "read with torn_tail='drop' to recover the journal without it")

    def header(self) -> dict[str, Any]:
        for _, head in self._lines():
            return _check_header(self.path, head)
        raise JournalError(f"{self.path}: empty journal (no header)")

    def write_header(self, header: dict[str, Any]) -> None:
        self._write([header])

    def _entries(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(records before it, checkpoint) for each checkpoint line, (0, record) for each record."""
        expected = 1
        for i, rec in self._lines():
            if i == 1:
                _check_header(self.path, rec)
            elif isinstance(rec, dict) and "checkpoint" in rec:
                yield expected - 1, rec
            else:
                yield 0, _check_seq(self.path, expected, rec)
                expected += 1

    def records(self, after: int = 0) -> Iterator[dict[str, Any]]:
        for before, rec in self._entries():
            if not before and "checkpoint" not in rec and rec["seq"] > after:
                yield rec

    def append(self, records: list[dict[str, Any]], checkpoint: dict[str, Any] | None = None) -> None:
        lines = list(records)
        if checkpoint is not None:
            lines.append({"checkpoint": checkpoint["seq"], "snapshot": checkpoint["snapshot"]})
        self._write(lines)

    def latest_checkpoint(self) -> dict[str, Any] | None:
        last = None
        for before, rec in self._entries():
            if "checkpoint" in rec:
                cp = {"seq": rec["checkpoint"], **{k: v for k, v in rec.items() if k != "checkpoint"}}
                last = _check_checkpoint(self.path, cp, before)
        return last

    def _write(self, objs: list[dict[str, Any]]) -> None:
        try:
            self._file.write("".join(json.dumps(o) + "\n" for o in objs))
            self._file.flush()
            if self.sync:
                os.fsync(self._file.fileno())
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot write ({exc})") from None

    def close(self) -> None:
        self._file.close()


def open_journal(path: str | os.PathLike[str] | Journal, mode: str = "r", **options: Any) -> Journal:
    """The backend for ``path``: JSON Lines if it ends in ``.jsonl``, else SQLite."""
    if isinstance(path, Journal):
        return path
    cls = JSONLinesJournal if str(path).endswith(".jsonl") else SQLiteJournal
    return cls(path, mode, **options)


def copy_journal(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> int:
    """Copy journal ``src`` into a new journal ``dst`` (export/import), its latest checkpoint
    included; returns the records copied."""
    n = 0
    with open_journal(src) as a, open_journal(dst, "w") as b:
        b.write_header(a.header())
        cp = a.latest_checkpoint()
        batch: list[dict[str, Any]] = []
        for rec in a.records():
            batch.append(rec)
            n += 1
            if len(batch) == 1000 or cp is not None and n == cp["seq"]:
                b.append(batch, cp if cp is not None and n == cp["seq"] else None)
                batch = []
        if batch:
            b.append(batch)
    return n


# ====================================================================== the journaled router
def _check_every(router: Router, every: Any) -> None:
    """``checkpoint_every`` is None or a count >= 1, and the router can then be snapshotted."""
    if every is None:
        return
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise JournalError(f"checkpoint_every must be None or an integer >= 1 (got {every!r})")
    try:
        router.snapshot()
    except SnapshotError as exc:
        raise JournalError(f"checkpoint_every={every}: the router cannot be checkpointed ({exc})") from None


def _header(router: Router) -> dict[str, Any]:
    head: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                            "queues": [serial.to_dict(q) for q in router.queues.values()]}
    for key, pol in (("agent_policy", router.agent_policy), ("contact_policy", router.contact_policy)):
        head[key] = serial.to_dict(pol) if serial.is_builtin(pol) else {"custom": pol.name, "repr": repr(pol)}
    if router.matching != "greedy":  # written only when set: greedy journals are unchanged
        head["matching"] = router.matching
    if router.batch_window > 0:
        head["batch_window"] = router.batch_window
    return head


def _encode(call: str, args: tuple[Any, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(CALLS[call], args, strict=False):
        if name in ("agent", "contact") and isinstance(value, (Agent, Contact)):
            value = serial.to_dict(value)
        elif name in ("wrap_up",):
            r = real(value)
            value = value if r is None else r  # a bad value: the router refuses it first
        elif name == "needs" and isinstance(value, Mapping):
            value = dict(value)
        out[name] = value
    return out


def _decode(call: str, args: Mapping[str, Any], where: str) -> tuple[Any, ...]:
    names = CALLS[call]
    extra = sorted(set(args) - set(names))
    if extra:
        raise JournalError(f"{where}: unknown argument {extra[0]!r} of {call}; allowed: {list(names)}")
    out = []
    for name in names:
        v = args.get(name)
        if name == "agent":
            v = serial.from_dict(Agent, v, f"{where}.agent")
        elif name == "contact":
            v = serial.from_dict(Contact, v, f"{where}.contact")
        elif name == "wrap_up" and v is None:
            v = 0.0
        out.append(v)
    return tuple(out)


def _apply(router: Any, call: str, now: Any, args: tuple[Any, ...]) -> list[Assignment]:
    """``router.<call>`` with ``now`` in its place (second, or first for ``tick``)."""
    fn = getattr(router, call)
    return fn(now) if not args else fn(args[0], now, *args[1:])  # type: ignore[no-any-return]


def _out(assignments: list[Assignment]) -> list[dict[str, Any]]:
    return [serial.to_dict(a) for a in assignments]


class JournaledRouter:
    """The :class:`~omniroute.Router` API; each accepted call is appended to ``journal``.

    Build it like a router plus ``journal`` (a path or an open :class:`Journal` in mode
    "w").  Calls write one transaction each; inside ``with jr.batch():`` they are written
    together when the block ends (faster; a crash inside the block loses the whole batch,
    and the router in memory is then ahead of the journal until the block ends).  If a
    write fails after the router accepted a call, :class:`JournalError` is raised and every
    later call is refused: the router in memory is then ahead of its journal (resume from
    the journal to continue).  Not thread-safe (wrap calls in a lock or use
    :mod:`omniroute.live`).

    ``checkpoint_every``: write a checkpoint (the router's snapshot, in the transaction of
    the call it follows) after every that many calls, so that :meth:`resume` restores it and
    replays only the calls after it.  The router must then be snapshottable (a custom policy
    must say how, see :class:`~omniroute.policies.PolicyState`), checked at once.
    ``matching``, ``batch_window``: as :class:`~omniroute.Router`'s; the header records them
    when not the defaults.
    """

    def __init__(self, queues: Iterable[Queue], agent_policy: AgentPolicy | None = None,
                 contact_policy: ContactPolicy | None = None, *, journal: str | os.PathLike[str] | Journal,
                 custom_policies: bool = False, checkpoint_every: int | None = None,
                 matching: str = "greedy", batch_window: float = 0.0, **options: Any) -> None:
        router = Router(queues, agent_policy=agent_policy, contact_policy=contact_policy, matching=matching,
                        batch_window=batch_window)
        head = _header(router)
        custom = [k for k in ("agent_policy", "contact_policy") if "custom" in head[k]]
        if custom and not custom_policies:
            raise JournalError(
                f"{custom[0]} {head[custom[0]]['repr']} is not a built-in policy: a journal cannot rebuild "
                "it. Pass custom_policies=True to journal anyway; replay will then need the policy "
                "(replay(path, agent_policy=..., contact_policy=...))")
        _check_every(router, checkpoint_every)
        self._journal = open_journal(journal, "w", **options)
        self._journal.write_header(head)
        self._init(router, 0, checkpoint_every)

    def _init(self, router: Router, seq: int, checkpoint_every: int | None) -> None:
        self.router = router
        self._seq = seq
        self._every = checkpoint_every
        self._pending: list[dict[str, Any]] | None = None
        self._pending_checkpoint: dict[str, Any] | None = None
        self._broken: str | None = None

    @classmethod
    def resume(cls, journal: str | os.PathLike[str], agent_policy: AgentPolicy | None = None,
               contact_policy: ContactPolicy | None = None, *, from_checkpoint: bool = True,
               checkpoint_every: int | None = None, **options: Any) -> JournaledRouter:
        """Rebuild the router from ``journal`` and go on appending to it.

        The router is the journal's latest checkpoint restored, then the calls after it
        replayed and checked (``from_checkpoint=False``: every call from the header).  A custom
        policy must be passed, as for :func:`replay`.  Raises :class:`JournalError` if the
        replay diverges or the checkpoint cannot be restored (its message says so; resuming
        with ``from_checkpoint=False`` does without it).  ``checkpoint_every``: as for a new
        journaled router (the interval is not recorded in the journal; pass it again).
        """
        j = open_journal(journal, "a", **options)
        try:
            res = replay(j, agent_policy=agent_policy, contact_policy=contact_policy,
                         from_checkpoint=from_checkpoint)
            if res.divergence is not None:
                raise JournalError(f"{j.path}: cannot resume, the replay diverges: {res.divergence}")
            _check_every(res.router, checkpoint_every)
        except BaseException:
            j.close()
            raise
        self = cls.__new__(cls)
        self._journal = j
        self._init(res.router, res.start + res.calls, checkpoint_every)
        return self

    @property
    def journal(self) -> Journal:
        return self._journal

    @property
    def seq(self) -> int:
        """The number of calls recorded (or pending in a batch) so far."""
        return self._seq

    def close(self) -> None:
        """Write a pending batch and close the journal (the router stays readable)."""
        if self._pending or self._pending_checkpoint is not None:
            self._flush()
        self._journal.close()

    def snapshot(self) -> dict[str, Any]:
        """The router's snapshot (see :meth:`omniroute.Router.snapshot`)."""
        return self.router.snapshot()

    def checkpoint(self) -> None:
        """Write a checkpoint now: the router's snapshot, tied to the last call recorded
        (inside :meth:`batch`, written with the batch).  Raises
        :class:`~omniroute.SnapshotError` if the router cannot be snapshotted."""
        if self._broken is not None:
            self._call_refused()
        if not self._seq:
            return  # nothing recorded yet: the header is where a replay starts anyway
        cp = {"seq": self._seq, "snapshot": self.router.snapshot()}
        if self._pending is not None:
            self._pending_checkpoint = cp
        else:  # no call rides on it: a failed write loses nothing (the router stays usable)
            self._journal.append([], cp)

    def __enter__(self) -> JournaledRouter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Write the calls made inside the block in one transaction when it ends."""
        if self._pending is not None:
            yield  # nested: the outer block writes
            return
        self._pending = []
        try:
            yield
        finally:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        cp, self._pending_checkpoint = self._pending_checkpoint, None
        if pending or cp is not None:
            self._write(pending or [], cp)

    def _write(self, records: list[dict[str, Any]], checkpoint: dict[str, Any] | None = None) -> None:
        try:
            self._journal.append(records, checkpoint)
        except BaseException as exc:
            self._broken = str(exc)
            raise

    def _call_refused(self) -> NoReturn:
        raise JournalError(f"the journal lost a call the router accepted ({self._broken}); the router "
                           "is ahead of its journal: resume from the journal")

    def _auto_checkpoint(self) -> dict[str, Any] | None:
        """The checkpoint due after this call, if any.  The router was checked snapshottable
        when checkpoints were asked for; if it no longer is (a custom policy's state that is
        not JSON, say), the call stands and the checkpoint is skipped with a warning: recovery
        then replays from the previous one."""
        if self._every is None or self._seq % self._every:
            return None
        try:
            return {"seq": self._seq, "snapshot": self.router.snapshot()}
        except SnapshotError as exc:
            warnings.warn(f"{self._journal.path}: no checkpoint after call {self._seq} ({exc})",
                          RuntimeWarning, stacklevel=4)
            return None

    def _call(self, call: str, now: Any, *args: Any) -> list[Assignment]:
        if self._broken is not None:
            self._call_refused()
        encoded = _encode(call, args)  # before the call: a value the journal cannot hold is refused
        out = _apply(self.router, call, now, args)
        rec = {"seq": self._seq + 1, "call": call, "now": self.router.now, "args": encoded, "out": _out(out)}
        self._seq += 1
        cp = self._auto_checkpoint()
        if self._pending is not None:
            self._pending.append(rec)
            if cp is not None:
                self._pending_checkpoint = cp
        else:
            self._write([rec], cp)
        return out

    # ------------------------------------------------------------------ mutating calls
    def add_agent(self, agent: Agent, now: float) -> list[Assignment]:
        return self._call("add_agent", now, agent)

    def remove_agent(self, agent_id: str, now: float) -> list[Assignment]:
        return self._call("remove_agent", now, agent_id)

    def set_available(self, agent_id: str, now: float) -> list[Assignment]:
        return self._call("set_available", now, agent_id)

    def set_away(self, agent_id: str, now: float, reason: str | None = None) -> list[Assignment]:
        return self._call("set_away", now, agent_id, reason)

    def logout(self, agent_id: str, now: float) -> list[Assignment]:
        return self._call("logout", now, agent_id)

    def submit(self, contact: Contact, now: float) -> list[Assignment]:
        return self._call("submit", now, contact)

    def complete(self, contact_id: str, now: float, wrap_up: float = 0.0) -> list[Assignment]:
        return self._call("complete", now, contact_id, wrap_up)

    def abandon(self, contact_id: str, now: float) -> list[Assignment]:
        return self._call("abandon", now, contact_id)

    def decline(self, contact_id: str, now: float, away: str | None = None) -> list[Assignment]:
        return self._call("decline", now, contact_id, away)

    def transfer(self, contact_id: str, now: float, queue: str | None = None,
                 needs: Mapping[str, int] | None = None, wrap_up: float = 0.0) -> list[Assignment]:
        return self._call("transfer", now, contact_id, queue, needs, wrap_up)

    def tick(self, now: float) -> list[Assignment]:
        return self._call("tick", now)

    # ------------------------------------------------------------------ reading
    @property
    def now(self) -> float:
        return self.router.now

    @property
    def queues(self) -> Mapping[str, Queue]:
        return self.router.queues

    def next_wakeup(self) -> float | None:
        return self.router.next_wakeup()

    def status(self, contact_id: str) -> str:
        return self.router.status(contact_id)

    def agent(self, agent_id: str) -> AgentView:
        return self.router.agent(agent_id)

    def agents(self) -> tuple[AgentView, ...]:
        return self.router.agents()

    def waiting(self) -> tuple[WaitingView, ...]:
        return self.router.waiting()

    def assigned_to(self, contact_id: str) -> str | None:
        return self.router.assigned_to(contact_id)


# ====================================================================== replay
@attrs.frozen
class Divergence:
    """The first call whose outcome differs from the journal's.

    ``seq``: the record's number (1 = first call); ``call``/``now``: what was called;
    ``recorded``: the assignments the journal holds (as dicts); ``replayed``: what the
    code decides now (assignments as dicts, or the error message if it refused the call).
    """

    seq: int
    call: str
    now: float
    recorded: list[dict[str, Any]]
    replayed: list[dict[str, Any]] | str

    def __str__(self) -> str:
        def show(x: Any) -> str:
            if isinstance(x, str):
                return f"refused: {x}"
            return "[" + ", ".join(f"{a['contact_id']}->{a['agent_id']} at {a['time']:g} "
                                   f"({a['reason']['trigger']}, score {a['reason']['score']})" for a in x) + "]"
        return (f"call {self.seq} ({self.call} at {self.now:g}): recorded {show(self.recorded)}, "
                f"now {show(self.replayed)}")


@attrs.frozen
class ReplayResult:
    """``router``: rebuilt up to the last call replayed; ``calls``: how many were replayed;
    ``divergence``: the first difference, or None if every decision matched; ``start``: the
    call the replay started after (0: from the header; n: from the checkpoint at call n)."""

    router: Router
    calls: int
    divergence: Divergence | None
    start: int = 0


def _policies(head: Mapping[str, Any], path: Path, agent_policy: Any, contact_policy: Any) -> tuple[Any, Any]:
    out = []
    for key, given, cls in (("agent_policy", agent_policy, AgentPolicy),
                            ("contact_policy", contact_policy, ContactPolicy)):
        if given is not None:
            out.append(given() if callable(given) and not isinstance(given, cls) else given)
            continue
        spec = head.get(key)
        if isinstance(spec, Mapping) and "custom" in spec:
            raise JournalError(f"{path}: the journal's {key} is custom ({spec.get('repr')}): pass it to "
                               f"replay ({key}=...), a new instance in the state it had at the start")
        try:
            out.append(serial.from_dict(cls, spec, f"header.{key}"))
        except OmnirouteError as exc:
            raise JournalError(f"{path}: {exc}") from None
    return out[0], out[1]


def _queues(head: Mapping[str, Any]) -> list[Queue]:
    return [serial.from_dict(Queue, q, f"header.queues[{i}]") for i, q in enumerate(head.get("queues") or [])]


def _router(head: Mapping[str, Any], path: Path, agent_policy: Any, contact_policy: Any) -> Router:
    ap, cp = _policies(head, path, agent_policy, contact_policy)
    try:
        return Router(_queues(head), agent_policy=ap, contact_policy=cp,
                      matching=head.get("matching", "greedy"), batch_window=head.get("batch_window", 0.0))
    except OmnirouteError as exc:
        raise JournalError(f"{path}: {exc}") from None


def _from_checkpoint(j: Journal, head: Mapping[str, Any], agent_policy: Any, contact_policy: Any,
                     until: float | None) -> tuple[Router, int] | None:
    """The router restored from ``j``'s latest checkpoint and its call number, or None (no
    checkpoint, or one later than ``until``)."""
    cp = j.latest_checkpoint()
    if cp is None:
        return None
    ap, cp_policy = _policies(head, j.path, agent_policy, contact_policy)
    try:
        router = Router.restore(cp["snapshot"], queues=_queues(head), agent_policy=ap, contact_policy=cp_policy)
    except OmnirouteError as exc:
        raise JournalError(f"{j.path}: the checkpoint at call {cp['seq']} cannot be restored ({exc}); "
                           "from_checkpoint=False replays the whole journal instead") from None
    if until is not None and router.now > until:
        return None
    return router, cp["seq"]


def replay(journal: str | os.PathLike[str] | Journal, *, until: float | None = None,
           agent_policy: AgentPolicy | Callable[[], AgentPolicy] | None = None,
           contact_policy: ContactPolicy | Callable[[], ContactPolicy] | None = None,
           stop: bool = True, from_checkpoint: bool = False, **options: Any) -> ReplayResult:
    """Rebuild the router from ``journal`` and re-apply its calls, checking every decision.

    ``until``: stop before the first call later than this time.  ``agent_policy`` /
    ``contact_policy``: a policy (or a factory) instead of the header's (needed for a
    custom policy; with another policy than the recorded one, decisions will diverge:
    for a counterfactual run use :func:`omniroute.counterfactual.rerun`).  ``stop``: stop
    at the first divergence (default) or go on, reporting the first.  ``from_checkpoint``:
    start from the latest checkpoint (not later than ``until``) and replay only the calls
    after it (``start`` in the result says where).  A damaged journal, another version, an
    unreadable record or a checkpoint that cannot be restored raises :class:`JournalError`.
    """
    j = open_journal(journal, "r", **options) if not isinstance(journal, Journal) else journal
    try:
        head = j.header()
        found = _from_checkpoint(j, head, agent_policy, contact_policy, until) if from_checkpoint else None
        router, start = found if found is not None else (_router(head, j.path, agent_policy, contact_policy), 0)
        first: Divergence | None = None
        n = 0
        for rec in j.records(start):
            where = f"{j.path}: record {rec['seq']}"
            call, now = rec.get("call"), rec.get("now")
            if call not in CALLS or not isinstance(rec.get("args"), Mapping) or not isinstance(rec.get("out"), list):
                raise JournalError(f"{where}: malformed (call {call!r}; needs 'call' in {sorted(CALLS)}, "
                                   "'args' and 'out')")
            if until is not None and isinstance(now, (int, float)) and now > until:
                break
            try:
                args = _decode(call, rec["args"], where)
            except OmnirouteError as exc:
                raise JournalError(str(exc)) from None
            try:
                got: list[dict[str, Any]] | str = _out(_apply(router, call, now, args))
            except OmnirouteError as exc:
                got = str(exc)
            n += 1
            # Compare as JSON: what the journal holds went through json (tuples became lists).
            if first is None and (isinstance(got, str) or json.loads(json.dumps(got)) != rec["out"]):
                first = Divergence(rec["seq"], call, now, rec["out"], got)
                if stop:
                    break
        return ReplayResult(router, n, first, start)
    finally:
        if not isinstance(journal, Journal):
            j.close()
