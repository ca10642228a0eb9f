"""SIENA example data: Knecht's classroom 12b (klas12b) and the matrices bundled with RSiena.

Both are returned losslessly as long tables (one row per matrix cell), so the network codes
(0 no tie, 1 tie, 9 missing nominator, 10 structurally absent; NA in RSiena's matrices) survive.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

KLAS12B_WAVES = {1: "klas12b-net-1.dat", 2: "klas12b-net-2.dat", 3: "klas12b-net-3.dat", 4: "klas12b-net-4.dat"}
KLAS12B_DELINQUENCY = "klas12b-delinquency.dat"
KLAS12B_DEMOGRAPHICS = ("sex", "age", "ethnicity", "religion")


def _matrix(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    return np.loadtxt(io.StringIO(archive.read(name).decode("ascii")), ndmin=2)


def _cells(matrix: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    n = matrix.shape[0]
    ego, alter = np.divmod(np.arange(n * n), n)
    keep = ego != alter
    return pd.DataFrame({"ego": ids[ego[keep]], "alter": ids[alter[keep]], "value": matrix.ravel()[keep]})


def klas12b(path: Path, entry) -> pd.DataFrame:
    """Classroom 12b, waves A-D: every ordered pair of the 26 pupils per wave with the friendship
    code and the ego's delinquency (1-5, 0 missing) at that wave and demographics (0 missing)."""
    with zipfile.ZipFile(path) as archive:
        networks = {w: _matrix(archive, name) for w, name in KLAS12B_WAVES.items()}
        delinquency = _matrix(archive, KLAS12B_DELINQUENCY)
        demographics = _matrix(archive, "klas12b-demographics.dat")
    n = networks[1].shape[0]
    if (
        any(m.shape != (n, n) for m in networks.values())
        or delinquency.shape != (n, 4)
        or demographics.shape != (n, len(KLAS12B_DEMOGRAPHICS))
    ):
        raise ValueError(f"{path.name}: expected {n}x{n} networks, {n}x4 delinquency and {n}x4 demographics")
    ids = np.array([f"k{i:02d}" for i in range(1, n + 1)])
    index = {pupil: i for i, pupil in enumerate(ids)}
    frames = []
    for wave, matrix in networks.items():
        frame = _cells(matrix, ids).assign(wave=wave)
        rows = frame["ego"].map(index).to_numpy()
        frame["delinquency"] = delinquency[rows, wave - 1]
        for k, column in enumerate(KLAS12B_DEMOGRAPHICS):
            frame[column] = demographics[rows, k]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[["wave", "ego", "alter", "value", "delinquency", *KLAS12B_DEMOGRAPHICS]].astype(
        {"value": "int64", "delinquency": "int64", **dict.fromkeys(KLAS12B_DEMOGRAPHICS, "int64")}
    )


def rsiena(path: Path, entry) -> pd.DataFrame:
    """The 15 matrices of RSiena.rda as one long table: object, row, column (1-based), value
    (``<NA>`` where RSiena has NA)."""
    import pyreadr

    objects = pyreadr.read_r(str(path))
    if "s501" not in objects:
        raise ValueError(f"{path.name}: object s501 not found; it holds {sorted(objects)}")
    frames = []
    for name, frame in objects.items():
        values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        rows, columns = np.indices(values.shape)
        frames.append(
            pd.DataFrame(
                {
                    "object": name,
                    "row": rows.ravel() + 1,
                    "column": columns.ravel() + 1,
                    "value": pd.array(values.ravel()).astype("Int64"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
