"""A tracking process that stays ready for the next run in its workdir.

MLflow's import and store set-up cost every run's fresh tracking process seconds of CPU
(benchmarks/RESULTS.md, cached re-run). After a run's records are written, its tracking
process forks a copy that leaves the run's terminal and output, listens on loopback behind a
random key, and advertises itself in `<workdir>/tracking-server/<pid>.json` (owner-only).
The next `tfpipe run` of that workdir claims the advertisement by deleting it (one claimant
wins), connects, and sends its environment, working directory and events as it would to a
fresh child. A server whose code or installed packages differ from the run's is not used. It
exits after `keepalive` seconds without a run, or after a session that did not end cleanly.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import queue
import select
import socket
import struct
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, answer_challenge, deliver_challenge
from typing import Any, Callable

from tfpipe.errors import InputError
from tfpipe.interrupts import default_stop_signals
from tfpipe.run_sweep import owner_gone, owner_tags

SERVER_FOLDER = "tracking-server"
KEEPALIVE_ENV = "TFPIPE_TRACKING_KEEPALIVE_SECONDS"
DEFAULT_KEEPALIVE = 300
# Seconds a server whose advertisement was claimed at its deadline waits for the claimant.
CLAIM_DEADLINE = 120.0
# Seconds either side of a connection waits for the other's half of the key handshake: a
# connection that never answers (not a claimant) is dropped instead of blocking the process.
HANDSHAKE_DEADLINE = 10.0
# Waiting tracking processes one user keeps on a machine (about 170 MB each): a sweep over
# many workdirs leaves this many, not one per workdir, ready for a re-run.
MAX_WAITING = 4
# In the command line of every tracking process (tfpipe/tracking_process.py's child).
PROCESS_MARK = "tfpipe.tracking_process"


@dataclass(frozen=True)
class SessionOptions:
    """What a tracking process needs besides the tracker: where, how long to stay, as whom."""

    workdir: str
    keepalive: float  # seconds to stay ready after this run; 0: exit with it
    fingerprint: str  # of the code the run's process would start a child with
    environ: dict[str, str]
    cwd: str
    umask: int  # the run's file-creation mask, which a child would have inherited


def process_umask(pid: int | str = "self") -> int | None:
    """A process's file-creation mask from /proc (Linux); None where /proc cannot say."""
    with contextlib.suppress(OSError, ValueError):
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    return None


def current_umask() -> int:
    """This process's file-creation mask, read without changing it (other threads may write)."""
    mask = process_umask()
    if mask is None:  # no /proc: read it the only other way, by setting it back at once
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def keepalive_seconds(configured: int | None) -> int:
    """The config key, else $TFPIPE_TRACKING_KEEPALIVE_SECONDS, else the default."""
    if configured is not None:
        return configured
    text = os.environ.get(KEEPALIVE_ENV, "").strip()
    if not text:
        return DEFAULT_KEEPALIVE
    if not text.isdigit() or int(text) > 86_400:
        raise InputError(f"{KEEPALIVE_ENV}={text!r}: expected whole seconds from 0 to 86400 "
                         "(0 turns the waiting tracking process off)")
    return int(text)


def code_fingerprint() -> str:
    """A digest of what a process would run: interpreter, installed packages, tfpipe's files."""
    import tfpipe

    digest = hashlib.sha256()
    digest.update("\0".join([sys.executable, sys.version,
                             os.environ.get("PYTHONPATH", "")]).encode())
    # A package installed, removed or upgraded adds or removes entries in site-packages.
    for folder in sorted({sysconfig.get_paths()[k] for k in ("purelib", "platlib")}):
        with contextlib.suppress(OSError):
            digest.update(f"\0{folder}\0{os.stat(folder).st_mtime_ns}".encode())
    root = os.path.dirname(os.path.abspath(tfpipe.__file__))
    for folder, subfolders, files in os.walk(root, followlinks=True):  # components/, pipelines/
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            status = os.stat(os.path.join(folder, name))
            relative = os.path.relpath(os.path.join(folder, name), root)
            digest.update(f"\0{relative}\0{status.st_mtime_ns}\0{status.st_size}".encode())
    return digest.hexdigest()


def server_folder(workdir: str) -> str:
    """Where a workdir's waiting tracking processes advertise themselves."""
    return os.path.join(workdir, SERVER_FOLDER)


def advertise(workdir: str, address: tuple[str, int], key: bytes, fingerprint: str) -> str:
    """Write this process's advertisement (owner-only), whole or not at all; its path."""
    folder = server_folder(workdir)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{os.getpid()}.json")
    partial = f"{path}.partial"
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"host": socket.gethostname(), "address": list(address), "key": key.hex(),
                   "fingerprint": fingerprint, "owner": owner_tags()}, out)
    os.replace(partial, path)
    return path


def claim_server(workdir: str, fingerprint: str) -> Connection | None:
    """A connection to a waiting tracking process of this workdir running this code, or None."""
    folder = server_folder(workdir)
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))
    except OSError:
        return None
    for name in names:
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as handle:
                advert = json.load(handle)
        except (OSError, ValueError):
            continue  # withdrawn or claimed meanwhile
        if advert.get("host") != socket.gethostname() or advert.get("fingerprint") != fingerprint:
            continue  # another machine's (a shared workdir) or other code: left to expire
        gone = owner_gone(advert.get("owner", {}))
        try:
            os.remove(path)  # the claim: only one remover succeeds
        except OSError:
            continue
        if gone:
            continue  # a server killed without withdrawing: its advertisement is cleared
        try:
            return connect(tuple(advert["address"]), bytes.fromhex(advert["key"]))
        except (OSError, EOFError, AuthenticationError):
            continue
    return None


def apply_session(options: SessionOptions) -> None:
    """Take on the run's environment, time zone, file mask and working directory, as a child
    started by it would."""
    os.environ.clear()
    os.environ.update(options.environ)
    time.tzset()  # local time follows this run's TZ, not the one the process started with
    os.umask(options.umask)
    # tempfile keeps the folder it found first: the last run's TMPDIR, which that run removed
    # (tfpipe/run_tmp.py). Forgotten, it is looked up again from this run's environment.
    tempfile.tempdir = None
    with contextlib.suppress(OSError):
        os.chdir(options.cwd)


def release_store_connections() -> None:
    """Close MLflow's pooled database connections; the next session opens the store anew."""
    # A pooled sqlite connection would keep writing into a store file deleted between runs.
    with contextlib.suppress(Exception):
        from mlflow.store.model_registry.sqlalchemy_store import (
            SqlAlchemyStore as RegistryStore)
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        for store in (SqlAlchemyStore, RegistryStore):
            for engine in list(store._engine_map.values()):
                engine.dispose()
            store._engine_map.clear()


def stay_ready(options: SessionOptions,
               serve: Callable[[Connection, Connection], bool]) -> None:
    """After a clean run: in a forked copy, serve later runs until idle for keepalive seconds."""
    release_store_connections()
    stop_progress_monitor()
    if options.keepalive <= 0 or not sys.platform.startswith("linux"):
        return  # tried on Linux only, like the warm start's fork
    if threading.active_count() > 1:
        return  # forking a process with other threads could copy a lock they hold
    if len(waiting_processes()) >= MAX_WAITING:
        return
    if os.fork() != 0:
        return  # the run's own tracking process ends as before
    try:
        default_stop_signals()  # out of the run's group, `kill PID` ends it (README)
        with contextlib.suppress(OSError):
            os.setsid()  # no longer part of the run's terminal session
        detach_output(options.workdir)
        serve_sessions(options, serve)
    finally:
        os._exit(0)


def waiting_processes() -> list[int]:
    """Pids of this user's waiting tracking processes on this machine (any workdir)."""
    import psutil

    found = []
    for process in psutil.process_iter(["uids", "cmdline"]):
        try:
            mine = process.info["uids"] is not None and process.info["uids"].real == os.getuid()
            # A waiting copy leads its own session (os.setsid); a run's own child does not.
            if mine and PROCESS_MARK in " ".join(process.info["cmdline"] or ()) and \
                    os.getsid(process.pid) == process.pid:
                found.append(process.pid)
        except (psutil.Error, OSError):
            continue
    return found


def stop_progress_monitor() -> None:
    """End tqdm's monitor thread (MLflow's artifact downloads start it); a new bar restarts it."""
    for thread in threading.enumerate():
        bars = getattr(thread, "tqdm_cls", None)  # tqdm._monitor.TMonitor: the bar class
        if bars is not None and getattr(bars, "monitor", None) is thread:
            thread.exit()  # wakes it and waits for its end
            bars.monitor = None


def detach_output(workdir: str) -> None:
    """Stop holding the run's stdin, stdout and stderr open; stderr goes to the session log."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    log_session(workdir)


def log_session(workdir: str) -> None:
    """Point stderr (MLflow's warnings) at an emptied `<pid>.log` beside the advertisement."""
    folder = server_folder(workdir)
    os.makedirs(folder, exist_ok=True)
    log = os.open(log_path(workdir), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 2)
    os.close(log)


def log_path(workdir: str) -> str:
    """This process's log of its latest session."""
    return os.path.join(server_folder(workdir), f"{os.getpid()}.log")


def serve_sessions(options: SessionOptions,
                   serve: Callable[[Connection, Connection], bool]) -> None:
    """Advertise, wait for a claimant, serve its run; again until idle or a session fails."""
    key = os.urandom(32)
    keepalive = options.keepalive
    with socket.create_server(("127.0.0.1", 0)) as listening:
        try:
            while keepalive > 0:
                advert = advertise(options.workdir, listening.getsockname()[:2], key,
                                   options.fingerprint)
                session = next_session(listening, advert, keepalive, key)
                if session is None:
                    return
                try:
                    asked: Any = session.recv()
                except (EOFError, OSError):  # a claimant that left before its run
                    return
                if not isinstance(asked, SessionOptions) or \
                        asked.fingerprint != options.fingerprint:
                    session.send(("error", "the waiting tracking process runs other code"))
                    session.close()
                    return
                apply_session(asked)
                log_session(options.workdir)
                clean = serve(session, session)
                release_store_connections()
                gc.collect()  # a session's cycles, before the next start freezes what is left
                if not clean:
                    return
                keepalive = asked.keepalive
        finally:
            with contextlib.suppress(OSError):
                if os.path.getsize(log_path(options.workdir)) == 0:  # else kept to be read
                    os.remove(log_path(options.workdir))


def next_session(listening: socket.socket, advert: str, keepalive: float,
                 key: bytes) -> Connection | None:
    """The next claimant's authenticated connection, or None once idle for keepalive seconds."""
    # Each connection's handshake runs in its own thread: one that never answers holds only
    # itself, not the claimant queued behind it.
    authenticated: queue.SimpleQueue[Connection] = queue.SimpleQueue()
    wake, woken = socket.socketpair()
    try:
        while True:
            ready, _, _ = select.select([listening, woken], [], [], keepalive)
            if woken in ready:
                woken.recv(64)
                with contextlib.suppress(queue.Empty):
                    return authenticated.get_nowait()
            if not ready:
                try:
                    os.remove(advert)  # withdrawn: nobody can claim it from now on
                    return None
                except FileNotFoundError:  # claimed at the deadline: its claimant connects
                    ready, _, _ = select.select([listening, woken], [], [], CLAIM_DEADLINE)
                    if not ready:
                        return None
            if listening in ready:
                sock, _ = listening.accept()
                threading.Thread(target=handshake, args=(sock, key, authenticated, wake),
                                 name="tracking-handshake", daemon=True).start()
    finally:
        wake.close()
        woken.close()


def handshake(sock: socket.socket, key: bytes, authenticated: queue.SimpleQueue[Connection],
              wake: socket.socket) -> None:
    """Authenticate one accepted connection; queue it and wake the waiting loop, else close it."""
    session = Connection(sock.detach())
    try:
        with reads_limited(session, HANDSHAKE_DEADLINE):
            deliver_challenge(session, key)
            answer_challenge(session, key)
    except (AuthenticationError, OSError, EOFError):
        session.close()  # not a claimant of ours; the advertisement stands
        return
    authenticated.put(session)
    with contextlib.suppress(OSError):  # the loop took another session and closed its end
        wake.send(b"!")


def connect(address: tuple[str, int], key: bytes) -> Connection:
    """An authenticated connection to a waiting tracking process (multiprocessing's Client)."""
    sock = socket.create_connection(address, timeout=HANDSHAKE_DEADLINE)
    sock.settimeout(None)
    session = Connection(sock.detach())
    try:
        with reads_limited(session, HANDSHAKE_DEADLINE):
            answer_challenge(session, key)
            deliver_challenge(session, key)
    except BaseException:
        session.close()
        raise
    return session


@contextlib.contextmanager
def reads_limited(session: Connection, seconds: float) -> Iterator[None]:
    """A read on the connection waiting longer than `seconds` fails (OSError) while inside."""
    # On the descriptor itself: the Connection reads it with os.read, past any socket timeout.
    sock = socket.socket(fileno=os.dup(session.fileno()))
    try:
        whole = int(seconds)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                        struct.pack("ll", whole, int((seconds - whole) * 1e6)))
        yield
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 0))
        sock.close()
