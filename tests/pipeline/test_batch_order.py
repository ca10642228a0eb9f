"""`kinship report` starts notebooks longest first, from the seconds of their last attempts."""

from kinship_research.pipeline import batch, runner
from kinship_research.pipeline.results import write_json


def _attempt(reports, name, seconds):
    write_json({"name": name, "status": "ok", "seconds": seconds}, runner.attempt_path(name, reports))


def test_never_run_notebooks_start_first_then_the_slowest(tmp_path):
    for name, seconds in (("a", 5.0), ("b", 120.0), ("d", 30.5), ("e", 0.0)):
        _attempt(tmp_path, name, seconds)
    assert batch.longest_first(["a", "b", "c", "d", "e", "f"], tmp_path) == ["c", "f", "b", "d", "a", "e"]


def test_without_attempts_the_given_order_is_kept(tmp_path):
    assert batch.longest_first(["z", "a", "m"], tmp_path) == ["z", "a", "m"]


def test_an_unreadable_attempt_counts_as_never_run(tmp_path):
    _attempt(tmp_path, "a", 3.0)
    path = runner.attempt_path("b", tmp_path)
    path.write_text("{not json")
    _attempt(tmp_path, "c", "ten")  # not a number
    assert batch.longest_first(["a", "b", "c"], tmp_path) == ["b", "c", "a"]


def _started(name, reports):
    import time

    time.sleep(0.05)
    return name, time.monotonic()


def test_one_worker_starts_them_in_that_order(tmp_path):
    from kinship_research.pipeline import cluster

    for name, seconds in (("a", 1.0), ("b", 9.0), ("c", 4.0)):
        _attempt(tmp_path, name, seconds)
    names = ["a", "b", "c", "new"]
    with cluster.connect(1) as client:
        futures = batch.submit_longest_first(client, names, tmp_path, task=_started)
        results = [f.result() for f in futures]
    assert [n for n, _ in results] == names  # futures come back in the order asked
    assert [n for n, _ in sorted(results, key=lambda r: r[1])] == ["new", "b", "c", "a"]
