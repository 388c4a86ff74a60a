"""Where runs execute: the one executor factory of ensembles, what-ifs and sweeps, and clean stops on signals.

:func:`make_executor` returns a :class:`Workers`: any :class:`concurrent.futures.Executor` (a process pool by
default, in-process sequential execution for debugging, a local Dask cluster or a Dask scheduler), its number of
workers, and how to stop it. Stopping after a signal (:class:`Interrupted`, or a ``KeyboardInterrupt``) terminates the
pool's workers at once instead of waiting for their runs: the runs in flight are abandoned, and the caller's
transaction (a temporary folder, or a sweep chunk without its manifest) makes sure nothing of them is visible.

Pool workers ignore SIGINT (a Ctrl-C in a terminal reaches the whole process group; the driver alone decides how to
stop), ask the kernel for SIGKILL when their parent dies (``PR_SET_PDEATHSIG`` on Linux) and watch the driver's pid,
so a SIGKILL of the driver leaves no worker behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sim.scenario import ScenarioError

PR_SET_PDEATHSIG = 1
SCHEDULERS = ("sequential", "pool", "local")
"""Named schedulers; anything else must be a Dask scheduler address ``tcp://host:port``."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: stop, abandon the runs in flight, exit with ``128 + signum``.

    A ``BaseException`` like ``KeyboardInterrupt`` (no ``except Exception`` swallows it), but not one: the command
    line framework would turn a ``KeyboardInterrupt`` into a bare exit status and lose the signal and the note.

    Args:
        signum: the signal received.
        note: what the user can do about it (e.g. how to resume), shown by the command line.
    """

    def __init__(self, signum: int = signal.SIGINT, note: str = ""):
        super().__init__(note)
        self.signum = int(signum)
        self.note = note

    @property
    def exit_code(self) -> int:
        """``128 + signum``: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """While active, SIGTERM (and SIGINT) raise :class:`Interrupted` in the main thread."""

    def handler(signum, _frame):
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def default_workers() -> int:
    """All cores."""
    return max(1, os.cpu_count() or 1)


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process: a zombie (dead, not yet reaped by its parent) counts as dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (not Linux): ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] not in ("Z", "X")


def _watch_driver(driver: int) -> None:
    # A worker of a forkserver pool is the forkserver's child, and the forkserver lives as long as its workers:
    # parent-death signals alone cannot notice the driver's death, so watch its pid.
    while process_alive(driver):
        time.sleep(0.5)
    os._exit(1)


def worker_init(driver: int) -> None:
    """Initialiser of every pool worker: ignore SIGINT, die with the parent, and watch the driver's pid."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_watch_driver, args=(driver,), daemon=True, name="driver-watch").start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool whose workers fork from a clean server process that has already imported the model (fast start; no
    fork of a multi-threaded parent). Falls back to the platform default where forkserver does not exist."""
    kwargs: dict = {"initializer": worker_init, "initargs": (os.getpid(),)}
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.model", "sim.runner"])
        kwargs["mp_context"] = ctx
    return ProcessPoolExecutor(workers, **kwargs)


class SequentialExecutor(Executor):
    """Runs each task in this process when it is submitted (for debugging: tracebacks and breakpoints work)."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        """Run ``fn`` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
            if isinstance(exc, KeyboardInterrupt | Interrupted):
                raise
        return future


@dataclass
class Workers:
    """An executor, its number of workers, and how to stop it (``abandon``: terminate the runs in flight).

    As a context manager (``with make_executor(n) as pool:``) it closes on leaving, and abandons the runs in flight
    when an error or a signal (KeyboardInterrupt, :class:`Interrupted`) leaves the block.
    """

    executor: Executor
    n: int
    stop: Callable[[bool], None]

    def close(self, abandon: bool = False) -> None:
        """Shut the executor down; with ``abandon`` do not wait for the runs in flight."""
        self.stop(abandon)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(abandon=kind is not None)


def _stop_pool(pool: ProcessPoolExecutor, abandon: bool) -> None:
    if abandon:
        for process in list((getattr(pool, "_processes", None) or {}).values()):  # no public way in Python 3.12
            with contextlib.suppress(Exception):
                process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def check_scheduler(scheduler: str | None, timeout: float = 3.0) -> None:
    """Refuse an unknown or unreachable scheduler before anything is written.

    Raises:
        ScenarioError: not one of :data:`SCHEDULERS` nor ``tcp://host:port``, Dask missing, or nothing listening.
    """
    if scheduler is None or scheduler in ("sequential", "pool"):
        return
    try:
        import distributed  # noqa: F401
    except ImportError:  # pragma: no cover - dask is installed with the dev group and the `dask` extra
        raise ScenarioError(
            f"--scheduler {scheduler}: Dask is not installed: `uv sync --extra dask` (or pip install "
            "'dask[distributed]')"
        ) from None
    if scheduler == "local":
        return
    parts = urlsplit(scheduler)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or port is None:
        raise ScenarioError(
            f"--scheduler {scheduler!r}: expected 'sequential', 'pool', 'local' or a Dask scheduler address "
            "tcp://host:port"
        )
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        raise ScenarioError(
            f"--scheduler {scheduler}: no Dask scheduler reachable there ({exc.strerror or exc}); start one with "
            "`dask scheduler` or use --scheduler local"
        ) from None


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Workers:
    """The executor of ensembles, what-ifs and sweeps.

    ``scheduler``: None (a process pool of ``workers`` processes, all cores by default; ``workers=1`` runs in this
    process), ``"pool"`` (a process pool even for one worker), ``"sequential"``, ``"local"`` (a local Dask cluster
    of ``workers`` single-threaded processes) or a Dask scheduler address (``tcp://host:8786``).
    """
    check_scheduler(scheduler)
    if scheduler == "sequential" or (scheduler is None and workers == 1):
        return Workers(SequentialExecutor(), 1, lambda abandon: None)
    if scheduler in (None, "pool"):
        n = workers or default_workers()
        pool = process_pool(n)
        return Workers(pool, n, lambda abandon: _stop_pool(pool, abandon))
    from distributed import Client, LocalCluster

    if scheduler == "local":
        n = workers or default_workers()
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster = None
        client = Client(scheduler)
        n = workers or max(1, sum(w["nthreads"] for w in client.scheduler_info()["workers"].values()))

    def stop(abandon: bool) -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return Workers(client.get_executor(pure=False), n, stop)
