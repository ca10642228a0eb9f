"""Notebook kernels forked from a warm process, so that a batch pays the common imports once.

A report's kernel start and import cell cost 2-4 s, the same modules each time. For batches
(``kinship report``), each process that runs notebooks (the command, or each Dask worker) starts
one *fork server* (``python -m kinship_research.pipeline.forked_kernels``) that imports
:data:`PRELOAD` once and then forks a child per kernel. The child becomes what ``python -m
ipykernel_launcher -f CONNECTION ...`` would have been, with those modules already imported:

* same interpreter, arguments, environment (the kernel's, replacing the server's), working folder
  and ``sys.path`` (the launcher's own folder removed, as ``ipykernel_launcher`` does; IPython adds
  the working folder back);
* matplotlib is imported with the backend ipykernel selects before any user code
  (``MPLBACKEND=module://matplotlib_inline.backend_inline`` unless set); the backend module itself
  is not imported, so it hooks into the kernel's shell as usual on the first figure;
* its own session and process group, stdin a pipe nobody writes to; numpy's legacy global random state
  is reseeded from the OS (Python's ``random`` reseeds itself at fork), so unseeded draws differ
  between kernels as between fresh ones;
* fork-safety: the server refuses to serve (and kernels start the usual way) if importing
  :data:`PRELOAD` started a thread.

Only a kernel command ``<this interpreter> -m ipykernel_launcher ...`` whose environment equals the
one the server was started with (``JPY_*`` variables aside) is forked; any other starts as usual.
The server exits, killing its kernels, when the process that started it ends (its stdin closes),
and kills a kernel whose client connection closes.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

PRELOAD = (
    "numpy",
    "pandas",
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.api",
    "matplotlib.pyplot",
    "seaborn",
    "networkx",
    "numba",
    "IPython.display",
    "ipykernel.kernelapp",
    "kinship_research.data",
    "kinship_research.pipeline.results",
    "kinship_research.plots.scatter",
    "kinship_research.reporting.findings",
    "kinship_research.reporting.headline",
    "kinship_research.reporting.tables",
)
"""Modules the server imports: what most notebooks' import cells import."""
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
START_TIMEOUT = 60.0


def _same_environment(a: dict, b: dict) -> bool:
    def strip(env):
        return {k: v for k, v in env.items() if not k.startswith("JPY_")}

    return strip(a) == strip(b)


class ForkedProcess:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a kernel forked by the server:
    ``pid``, ``poll``, ``wait``, ``send_signal``, ``kill``, ``terminate``. The exit code arrives on
    the kernel's connection to the server."""

    stdin = stdout = stderr = None

    def __init__(self, connection: socket.socket, pid: int):
        self._connection, self.pid, self.returncode = connection, pid, None

    def _read(self, block: bool) -> int | None:
        if self.returncode is None:
            self._connection.setblocking(block)
            try:
                data = self._connection.recv(64)
            except BlockingIOError:
                return None
            self.returncode = json.loads(data)["returncode"] if data else -signal.SIGKILL  # server gone
            self._connection.close()
        return self.returncode

    def poll(self) -> int | None:
        return self._read(block=False)

    def wait(self) -> int:
        return self._read(block=True)

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """Client side: starts the server (lazily, once per process) and asks it for kernels."""

    def __init__(self):
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._folder = None
        self._environment: dict | None = None
        self.available = True

    def _start(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="kinship-kernels-")
        self._path = str(Path(self._folder) / "server.sock")
        self._environment = dict(os.environ)
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, self._path], stdin=subprocess.PIPE, env=self._environment
        )
        atexit.register(self.close)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self._path):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.close()
                self.available = False
                return
            time.sleep(0.02)

    def spawn(self, cmd: list[str], env: dict, cwd: str) -> ForkedProcess | None:
        """A forked kernel for ``cmd`` (None: this command or environment cannot be forked, or the
        server is not available; start the kernel the usual way)."""
        if cmd[1:3] != ["-m", "ipykernel_launcher"] or not _same_python(cmd[0]):
            return None
        with self._lock:
            if self._process is None and self.available:
                self._start()
            if not self.available or not _same_environment(env, self._environment):
                return None
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(self._path)
            connection.sendall(json.dumps({"args": cmd[3:], "env": env, "cwd": str(cwd)}).encode() + b"\n")
            reply = connection.recv(64)
        except OSError:
            connection.close()
            return None
        if not reply:
            connection.close()
            return None
        return ForkedProcess(connection, json.loads(reply)["pid"])

    def close(self) -> None:
        """Stop the server (it kills the kernels it forked)."""
        if self._process is not None and self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _same_python(executable: str) -> bool:
    found = shutil.which(executable)
    return found is not None and os.path.realpath(found) == os.path.realpath(sys.executable)


SERVER = ForkServer()


class ForkedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching through :data:`SERVER` when it can."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        cwd = kwargs.get("cwd") or os.getcwd()
        process = SERVER.spawn(cmd, kwargs.get("env") or dict(os.environ), cwd)
        if process is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process, self.pid, self.pgid, self.cwd = process, process.pid, process.pid, cwd
        return self.connection_info


class ForkedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels come from :data:`SERVER` (papermill's ``kernel_manager_class``)."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkedProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


# --- the server process -------------------------------------------------------------------------


def _run_kernel(request: dict) -> int:
    """In the forked child: become ``python -m ipykernel_launcher ARGS`` and return its exit code."""
    import atexit as child_atexit

    import ipykernel_launcher
    import numpy as np

    os.setsid()
    read, _ = os.pipe()  # stdin: a pipe nobody writes to, as jupyter_client gives a fresh kernel
    os.dup2(read, 0)
    os.close(read)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [ipykernel_launcher.__file__, *request["args"]]
    np.random.seed()
    code = 0
    try:
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    child_atexit._run_exitfuncs()
    return code


def serve(path: str) -> None:
    """Import :data:`PRELOAD`, then fork a kernel for each request on the Unix socket ``path``."""
    import importlib

    del sys.path[0]  # the working folder ``python -m`` put first, as ipykernel_launcher removes it
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    for name in PRELOAD:
        importlib.import_module(name)
    if threading.active_count() != 1:
        sys.exit(f"kinship fork server: importing {PRELOAD} started threads; not forking kernels")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen()
    os.rename(path + ".tmp", path)  # the socket appears ready
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    kernels: dict[int, socket.socket] = {}
    try:
        while True:
            for key, _ in selector.select(timeout=0.05):
                if key.fileobj is listener:
                    connection, _ = listener.accept()
                    request = json.loads(connection.makefile("rb").readline())
                    pid = os.fork()
                    if pid == 0:  # the kernel keeps none of the server's sockets
                        selector.close()
                        for open_socket in (listener, connection, *kernels.values()):
                            open_socket.close()
                        sys.stdout.flush()
                        os._exit(_run_kernel(request))
                    kernels[pid] = connection
                    connection.sendall(json.dumps({"pid": pid}).encode())
                    selector.register(connection, selectors.EVENT_READ, pid)
                elif key.fileobj is sys.stdin:
                    if not os.read(sys.stdin.fileno(), 4096):
                        return  # the process that started the server has ended
                elif not key.fileobj.recv(64):  # the kernel's client went away
                    selector.unregister(key.fileobj)
                    _kill(key.data)
            _reap(kernels, selector)
    finally:
        for pid in kernels:
            _kill(pid)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)  # also when the client could not


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _reap(kernels: dict, selector) -> None:
    """Tell each ended kernel's client its exit code."""
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = kernels.pop(pid, None)
        if connection is None:
            continue
        try:
            selector.unregister(connection)
        except KeyError:
            pass
        try:
            connection.sendall(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}).encode())
        except OSError:
            pass
        connection.close()


if __name__ == "__main__":
    serve(sys.argv[1])
