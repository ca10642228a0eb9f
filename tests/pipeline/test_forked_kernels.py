"""Kernels forked from the warm server are the kernels a fresh launch would give, and end with it."""

import asyncio
import json
import os
import sys
import time

import nbformat
import pytest

from kinship_research.pipeline import forked_kernels, runner

PROBE = [
    "import sys\npreloaded = 'seaborn' in sys.modules",  # the one expected difference
    "import json, os, stat\n"
    "import matplotlib\n"
    "import numpy as np\n"
    "state = {\n"
    "    'executable': sys.executable,\n"
    "    'flags': [a for a in sys.argv[1:] if a.startswith('--')],\n"
    "    'argv0': os.path.basename(sys.argv[0]),\n"
    "    'cwd': os.getcwd(),\n"
    "    'path': sys.path,\n"
    "    'env': {k: v for k, v in os.environ.items() if not k.startswith('JPY_')},\n"
    "    'backend': matplotlib.get_backend(),\n"
    "    'stdin': stat.S_ISFIFO(os.fstat(0).st_mode),\n"
    "    'session_leader': os.getsid(0) == os.getpid(),\n"
    "}\n"
    "draw = float(np.random.random())",
    "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.show()",
    "print(json.dumps({'state': state, 'draw': draw, 'preloaded': preloaded, 'parent': os.getppid()}))",
]


@pytest.fixture
def server(monkeypatch):
    fresh = forked_kernels.ForkServer()
    monkeypatch.setattr(forked_kernels, "SERVER", fresh)
    yield fresh
    fresh.close()


def _probe(tmp_path, name, forked):
    source = tmp_path / "probe.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in PROBE])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, source)
    out = tmp_path / f"{name}.ipynb"
    runner._execute(source, out, {}, forked)  # as run_notebook calls it
    cells = nbformat.read(out, as_version=4).cells
    figure = [o for o in cells[2].outputs if o.output_type == "display_data"]
    printed = json.loads(cells[3].outputs[0]["text"])
    return printed, sorted(figure[0]["data"]) if figure else None


def test_a_forked_kernel_is_what_a_fresh_launch_gives(tmp_path, server):
    fresh, fresh_figure = _probe(tmp_path, "fresh", forked=False)
    first, first_figure = _probe(tmp_path, "forked1", forked=True)
    second, _ = _probe(tmp_path, "forked2", forked=True)
    assert not fresh["preloaded"] and first["preloaded"]  # the kernel did come from the server
    assert first["parent"] == server._process.pid
    assert first["state"] == fresh["state"] == second["state"]
    assert first_figure == fresh_figure == ["image/png", "image/svg+xml", "text/plain"]  # the inline backend
    assert len({fresh["draw"], first["draw"], second["draw"]}) == 3  # unseeded draws differ between kernels


def _start_kernel():
    async def start():
        manager = forked_kernels.ForkedKernelManager(kernel_name="python3")
        await manager.start_kernel()
        return manager

    return asyncio.run(start())


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_kernels_end_with_the_server_and_report_their_exit(server):
    manager = _start_kernel()
    pid = manager.provisioner.pid
    assert isinstance(manager.provisioner.process, forked_kernels.ForkedProcess) and _alive(pid)
    asyncio.run(manager.shutdown_kernel(now=True))  # SIGKILL to its process group
    assert manager.provisioner is None or manager.provisioner.process is None
    other = _start_kernel()
    other_pid = other.provisioner.pid
    server.close()  # the command that started the server ends
    deadline = time.monotonic() + 10
    while _alive(other_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(other_pid) and not _alive(pid)
    assert other.provisioner.process.wait() == -9  # killed with its server


def test_what_cannot_be_forked_starts_the_usual_way(server):
    env = dict(os.environ)
    assert server.spawn(["/usr/bin/env", "-m", "ipykernel_launcher"], env, os.getcwd()) is None
    assert server.spawn([sys.executable, "-c", "pass"], env, os.getcwd()) is None
    assert server.spawn([sys.executable, "-m", "ipykernel_launcher"], env | {"OTHER": "1"}, os.getcwd()) is None
    assert server._process is not None  # the server itself is up: only these requests fell back
