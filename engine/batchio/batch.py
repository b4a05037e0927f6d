"""Batches: many inputs, answered in input order, in one process or spread over several.

The work is cut into *tasks* (a few files, or up to 500 lines of JSON Lines: see inputs.py), each
evaluated in one batch through the engine and rendered to strings where it was evaluated (see
render/formats.py). The process that owns the output puts the rendered tasks back in input order.
One process or several run exactly the same code on exactly the same tasks, so the output is byte
for byte the same whatever ``--jobs`` says.

With several processes, at most a few tasks per process are in flight: the input is read only as
fast as it is answered, so memory stays bounded however long the stream. Workers ignore Ctrl-C;
the parent stops them, at once, on Ctrl-C, on an error, or when its output is closed (``| head``).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from ..api import Advisor, default_advisor
from ..errors import InputError, Problem, RuleError, Span
from .inputs import (FLUSH, DataUnit, FileUnit, LinesUnit, RowsUnit, Unit, UnitOrFlush, _Flush, read_outcomes,
                     unit_outcomes)
from ..insight import Explainer
from ..records import NamedTuple
from ..render.formats import FORMATS, Format
from ..render.style import DEFAULT_WIDTH, Style
from ..requirements import MAX_FILE_BYTES
from ..result import Result
from ..rulecache import load_ruleset_cached
from ..streams import write_all

TASK_WEIGHT = 500  # workloads (lines, or files counted as FILE_WEIGHT) per task: one engine batch
FILE_WEIGHT_PARALLEL = 8  # smaller tasks of files when spread over processes, so that all get some
IN_FLIGHT_PER_JOB = 3
IN_HAND = 2  # tasks sent to a worker and not answered yet: it starts the next while the last goes back
TURN_POLL = 0.002  # seconds a worker waits for its turn to write before looking for a task again


class Options(NamedTuple):
    """What a worker needs to answer and render a task: picklable, the same in every process."""

    rules: str | None = None
    format: str = "text"
    explain: bool = False
    max_bytes: int = MAX_FILE_BYTES
    width: int = DEFAULT_WIDTH  # text output: the columns to fit (the terminal's, or --width)
    color: bool = False
    group_by: str | None = None  # text and Markdown: counts per value of this label


class Task(NamedTuple):
    units: tuple[Unit, ...]
    first: bool  # the first task of the run: its first answer also renders its details (see Text)
    size: int  # bytes of input it stands for, for the progress bar


class Chunk:
    """A task's answers, rendered, and what the parent must report about them."""

    __slots__ = ("pieces", "messages", "answered", "failed", "size", "fatal", "index", "written", "write_error")

    def __init__(self, size: int = 0) -> None:
        self.pieces: list[Any] = []  # joinable formats: each answer's UTF-8 bytes (or one str), see Context.run
        self.messages: list[str] = []  # every problem of the inputs not answered, one line each (the CLI prints them)
        self.answered = 0
        self.failed = 0
        self.size = size
        self.fatal: tuple[Problem, ...] = ()  # the rule set failed in the engine: the batch cannot go on
        self.index = 0  # the task's place in the run (several processes: the order of writing)
        self.written = False  # a worker wrote the pieces to the output itself (see Outlet); none are left
        self.write_error: tuple[int, str] | None = None  # (errno, text) of that write, for the parent to raise


class Totals:
    __slots__ = ("answered", "failed")

    def __init__(self) -> None:
        self.answered = 0
        self.failed = 0


class Context:
    """One process's loaded rule set, engine, explainer and format."""

    def __init__(self, options: Options, advisor: Advisor | None = None) -> None:
        self.options = options
        self.advisor = advisor if advisor is not None else Advisor(load_ruleset_cached(options.rules))
        self.explainer = Explainer(self.advisor) if options.explain else None
        self.format: Format = FORMATS[options.format](self.advisor.ruleset, options.explain,
                                                      Style(options.width, options.color), options.group_by)

    def answers(self, units: Iterable[Unit]) -> Iterator[Result | InputError]:
        catalogue, max_bytes = self.advisor.catalogue, self.options.max_bytes
        outcomes = (o for unit in units for o in unit_outcomes(unit, catalogue, max_bytes))
        if self.explainer is None and self.format.lazy:  # JSON Lines: no Result objects (see api.Evaluated)
            return self.advisor.results(outcomes, lazy=True)
        stream = self.advisor.results(outcomes)
        return self.explainer.answers(stream) if self.explainer is not None else stream

    def run(self, task: Task) -> Chunk:
        chunk = Chunk(size=task.size)
        # joinable formats: each answer is encoded as it is rendered, and the task's answers go to the
        # output together (streams.write_pieces: one writev), or to the parent as one list. Holding a
        # task's answers (megabytes) as strings, then joined, then encoded, made the C library hand that
        # memory back to the system after every task and fault it in again: a tenth of a large batch's
        # time went to page faults (330,000 for 100,000 answers; 21,000 when encoded one by one and
        # joined, 15,000 with no join). A growing bytearray avoided the faults too, but its reallocations
        # copied each answer about eight times; joining the bytes copied them once more, out of cache.
        joined: list[bytes] | None = [] if self.format.joinable else None
        try:
            for index, answer in enumerate(self.answers(task.units)):
                piece = self.format.piece(answer, task.first and index == 0)
                if joined is None:
                    chunk.pieces.append(piece)
                else:
                    try:
                        joined.append(piece.encode())
                    except UnicodeEncodeError:  # a lone surrogate: the task goes as text, for the output's
                        chunk.pieces = [b"".join(joined).decode("utf-8"), piece]  # own error handling
                        joined = None
                if isinstance(answer, InputError):
                    chunk.failed += 1
                    chunk.messages.extend(problem.format() for problem in answer.problems)
                else:
                    chunk.answered += 1
        except RuleError as error:  # sent back as data: an exception would not survive pickling intact
            chunk.fatal = error.problems
        if joined:
            chunk.pieces = joined
        elif self.format.joinable and chunk.pieces:
            chunk.pieces = ["".join(chunk.pieces)]
        return chunk


# --- tasks -----------------------------------------------------------------------------------


def tasks(stream: Iterable[UnitOrFlush], file_weight: int = 1) -> Iterator[Task | _Flush]:
    """Units grouped into tasks of about TASK_WEIGHT workloads; FLUSH passes through, ending a task."""
    group: list[Unit] = []
    weight = size = 0
    first = True
    for unit in stream:
        flush = isinstance(unit, _Flush)
        if not isinstance(unit, _Flush):
            group.append(unit)
            weight += _weight(unit, file_weight)
            size += _size(unit)
        if group and (flush or weight >= TASK_WEIGHT):
            yield Task(tuple(group), first, size)
            group, weight, size, first = [], 0, 0, False
        if flush:
            yield FLUSH
    if group:
        yield Task(tuple(group), first, size)


def _weight(unit: Unit, file_weight: int) -> int:
    if isinstance(unit, LinesUnit):
        return len(unit.lines)
    if isinstance(unit, RowsUnit):
        return len(unit.rows)
    return file_weight


def _size(unit: Unit) -> int:
    if isinstance(unit, (LinesUnit, RowsUnit)):
        return unit.size
    if isinstance(unit, DataUnit):
        return len(unit.data)
    if isinstance(unit, FileUnit):
        try:
            return os.stat(unit.path).st_size
        except OSError:
            return 0
    return 0


# --- running ---------------------------------------------------------------------------------


Sink = Callable[[Chunk], None]


def run(context: Context, stream: Iterable[UnitOrFlush], sink: Sink, jobs: int = 1, fd: int | None = None) -> None:
    """Answer every unit, handing each task's chunk to ``sink`` in input order.

    ``fd``: the output's file descriptor, flushed, when the workers may write their tasks' bytes to it
    themselves, in turn (see Outlet); the sink then gets chunks with ``written`` set and no pieces."""
    if jobs <= 1:
        for task in tasks(stream):
            if isinstance(task, Task):
                sink(_checked(context.run(task)))
        return
    _run_parallel(context, tasks(stream, FILE_WEIGHT_PARALLEL), sink, jobs, fd)


def _checked(chunk: Chunk) -> Chunk:
    if chunk.fatal:
        raise RuleError(chunk.fatal)
    return chunk


_worker: Context | None = None


def _run_parallel(context: Context, work: Iterator[Task | _Flush], sink: Sink, jobs: int, fd: int | None) -> None:
    global _worker
    _worker = context  # inherited as is by forked workers; others load their own (see _serve)
    workers = _Workers(context.options, jobs, fd if _start_method() == "fork" else None)
    try:
        submitted = emitted = 0
        for task in work:
            if isinstance(task, Task):
                workers.submit(submitted, task)
                submitted += 1
            # in order; wait when the input would block (FLUSH) or too much is in flight
            while emitted < submitted and (task is FLUSH or workers.ready(emitted)
                                           or submitted - emitted >= jobs * IN_FLIGHT_PER_JOB):
                _emit(workers, emitted, sink)
                emitted += 1
        while emitted < submitted:
            _emit(workers, emitted, sink)
            emitted += 1
    finally:
        workers.stop()


def _emit(workers: "_Workers", index: int, sink: Sink) -> None:
    chunk = _checked(workers.take(index))
    sink(chunk)  # writes what the worker could not (and raises what its write met)
    if workers.outlet is not None and not chunk.written:
        workers.outlet.pass_turn(index + 1)  # the sink has written and flushed: the next task's turn


class Outlet:
    """The output's file descriptor, shared by forked workers that write their own tasks' bytes in
    input order, so that the parent neither receives nor writes the answers (with many processes,
    moving them through the parent made it the bottleneck).

    ``turn`` is the index of the task whose bytes go next; whoever writes a task passes the turn on.
    A worker whose task is done before its turn keeps it and goes on with its next task (see _serve).
    A task whose pieces are not all bytes (text that is not valid UTF-8) keeps the turn and goes back
    to the parent, which writes it through the output stream as one process would, then passes it on.
    A failed write passes the turn too (the parent stops everything when it sees the error)."""

    def __init__(self, context: Any, fd: int) -> None:
        self.fd = fd
        self.turn = context.Value("q", 0, lock=False)
        self.changed = context.Condition()

    @staticmethod
    def takes(chunk: Chunk) -> bool:
        """Whether a worker writes this chunk itself (otherwise the parent does, or stops)."""
        return not chunk.fatal and all(isinstance(piece, bytes) for piece in chunk.pieces)

    def ready(self, index: int) -> bool:
        return self.turn.value == index

    def wait(self, index: int, timeout: float | None) -> bool:
        """Wait for task ``index``'s turn, at most ``timeout`` seconds (None: as long as it takes)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.turn.value == index, timeout)

    def write(self, chunk: Chunk) -> None:
        """Write a chunk whose turn it is, and pass the turn on."""
        try:
            write_all(self.fd, chunk.pieces)
        except OSError as error:
            chunk.write_error = (error.errno or 5, error.strerror or str(error))
        chunk.pieces, chunk.written = [], True
        self.pass_turn(chunk.index + 1)

    def pass_turn(self, index: int) -> None:
        with self.changed:
            self.turn.value = index
            self.changed.notify_all()


class _Workers:
    """A few worker processes, each fed over its own pipe by two threads of this process: one sends it
    tasks, at most IN_HAND at a time, the other receives what it answers. With a task in hand while it
    sends the last one back, a worker never waits for the round trip; and as this side always reads,
    neither side ever waits on the other's full pipe.

    multiprocessing.Pool was not used: its terminate() can hang for good when a task larger than
    the pipe's buffer is half written (a stream cut short by ``| head``, or Ctrl-C)."""

    def __init__(self, options: Options, jobs: int, fd: int | None = None) -> None:
        import multiprocessing  # here, not at the top: it costs start-up time, and one job needs none
        import queue
        import threading

        start = multiprocessing.get_context(_start_method())
        self.outlet = Outlet(start, fd) if fd is not None else None
        self.todo: queue.Queue = queue.Queue()
        self.done: dict[int, Chunk | BaseException] = {}
        self.changed = threading.Condition()
        self.processes, connections = [], []
        global _parent_ends
        for _ in range(jobs):  # every process before any thread: fork and threads do not mix
            mine, theirs = start.Pipe()
            _parent_ends = [*connections, mine]  # a forked worker closes its copies (see _serve)
            process = start.Process(target=_serve, args=(theirs, options, os.getpid(), self.outlet), daemon=True)
            process.start()
            theirs.close()
            self.processes.append(process)
            connections.append(mine)
        _parent_ends = []
        self.connections = connections
        self.threads = []
        for connection, process in zip(connections, self.processes):
            feed = _Feed(self, connection, process)
            self.threads += [threading.Thread(target=feed.send, daemon=True),
                             threading.Thread(target=feed.receive, daemon=True)]
        for thread in self.threads:
            thread.start()

    def submit(self, index: int, task: Task) -> None:
        self.todo.put((index, task))

    def ready(self, index: int) -> bool:
        with self.changed:
            return index in self.done

    def take(self, index: int) -> Chunk:
        with self.changed:
            while index not in self.done:
                self.changed.wait()
            answer = self.done.pop(index)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def answered(self, index: int, answer: Chunk | BaseException) -> None:
        with self.changed:
            self.done[index] = answer
            self.changed.notify_all()

    def stop(self) -> None:
        """End the workers: quietly when all is done, at once on an error or Ctrl-C."""
        for _ in self.processes:
            self.todo.put(None)
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join()
        for thread in self.threads:
            thread.join()
        for connection in self.connections:
            connection.close()


class _Feed:
    """One worker's pipe, seen from the parent: the tasks in its hands, sent by one thread, answered to
    the other (see _Workers)."""

    def __init__(self, workers: _Workers, connection: Any, process: Any) -> None:
        import threading  # loaded by _Workers already (one job needs none)

        self.workers, self.connection, self.process = workers, connection, process
        self.lock = threading.Lock()
        self.slots = threading.Semaphore(IN_HAND)
        self.held: list[int] = []  # the indexes of the tasks sent and not answered, in order
        self.closed = False

    def send(self) -> None:
        while True:
            item = self.workers.todo.get()
            if item is None:
                return
            self.slots.acquire()
            with self.lock:
                if self.closed:  # the worker is gone: this task fails like those in its hands
                    self.workers.answered(item[0], self._failure())
                    return
                self.held.append(item[0])
            try:
                self.connection.send(item)
            except (EOFError, OSError):  # the receiving thread reports the tasks held
                return

    def receive(self) -> None:
        # the pipe is closed by _Workers.stop, once both threads are done: closed here, its descriptor
        # could be reused by the time the other thread writes to it
        while True:
            try:
                chunk = self.connection.recv()
            except (EOFError, OSError):  # the process is gone: stopped by us, or crashed
                break
            with self.lock:
                self.held.remove(chunk.index)
            self.workers.answered(chunk.index, chunk)
            self.slots.release()
        with self.lock:
            self.closed, held, self.held = True, self.held, []
        if held:
            self.process.join(1)
            for index in held:
                self.workers.answered(index, self._failure())
        for _ in range(IN_HAND):  # a sender waiting for a slot sees the pipe closed
            self.slots.release()

    def _failure(self) -> RuleError:
        return RuleError([Problem(Span("rules"), "engine-failed",
                                  f"a worker process stopped (exit code {self.process.exitcode})",
                                  "try again with --jobs 1")])


def _start_method() -> str:
    """fork on Linux: the workers start at once, rule set loaded; elsewhere fork is unsafe or absent,
    and spawned workers load the rule set themselves."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


_parent_ends: list[Any] = []  # the parent's ends of the pipes, set only while workers are forked


def _serve(connection: Any, options: Options, parent: int, outlet: Outlet | None = None) -> None:
    """A worker process: answer tasks until the pipe closes, or the parent dies."""
    import signal

    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler would print from here
    _outlive_no_parent(parent)
    if _worker is None or _worker.options != options:
        _worker = Context(options)
    waiting: list[Chunk] = []  # done, to be written by this worker when their turn comes (in order)
    with connection:
        while True:
            # write what may be written; wait for a turn only while no task is there to start
            while waiting and outlet is not None:
                first = waiting[0]
                if outlet.ready(first.index) or (not connection.poll() and outlet.wait(first.index, TURN_POLL)):
                    waiting.pop(0)
                    outlet.write(first)
                    connection.send(first)
                elif connection.poll():
                    break
            try:
                index, task = connection.recv()
            except (EOFError, OSError):
                return
            chunk = _worker.run(task)
            chunk.index = index
            if outlet is not None and Outlet.takes(chunk):
                waiting.append(chunk)
            else:
                connection.send(chunk)


def _outlive_no_parent(parent: int) -> None:
    """Make this worker end when its parent dies, however it dies (SIGKILL included).

    A forked worker inherits the parent's ends of the pipes, its own included: while it holds them, the
    parent's death never shows as end-of-file. So it closes them; on Linux the kernel also sends it
    SIGTERM when the parent dies (PR_SET_PDEATHSIG), and elsewhere a thread watches the parent's pid."""
    for end in _parent_ends:
        end.close()
    _parent_ends.clear()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, 15, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGTERM
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl: nobody would tell us
        os._exit(0)
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def cores() -> int:
    """The cores this process may use (``--jobs 0``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- the Python API --------------------------------------------------------------------------


def answers(paths: Iterable[str | Path], rules: str | Path | None = None, *, explain: bool = False,
            max_bytes: int = MAX_FILE_BYTES, stdin: BinaryIO | None = None) -> Iterator[Result | InputError]:
    """Every workload in the files and folders named (``-`` for standard input), answered in order:
    a :class:`Result`, or the :class:`InputError` of an input that could not be read. Streams:
    memory stays bounded over any number of JSON Lines.

    >>> from deploy_advisor.engine.batchio.batch import answers
    >>> [a.recommendation for a in answers(["examples/payments-api.yaml"])]
    ['container']
    """
    advisor = default_advisor(rules)
    stream = advisor.results(read_outcomes([str(p) for p in paths], advisor.catalogue, max_bytes, stdin))
    yield from (Explainer(advisor).answers(stream) if explain else stream)
