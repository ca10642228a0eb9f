"""Loaders for the Teenage Friends and Lifestyle Study (Glasgow) and its 50-girl excerpt s50.

The study followed one cohort of 160 pupils of a West-of-Scotland school over three waves (1995,
1996, 1997; aged 13 at wave 1); each pupil named up to 12 friends (West & Sweeting 1996; Michell &
Amos 1997; Steglich, Snijders & Pearson 2010). Pupil ids are the row names of the R matrices
(``s001`` .. ``s160``). The demographic file has no row names; its rows are in the same order as
the other files (as in the SIENA distribution), so they are given the same ids.

Codes kept from the source
--------------------------
* friendship value: 0 no tie, 1 best friend, 2 friend, 10 structurally absent (the ego or the
  alter was not in the school at that wave; the whole row and column of an absent pupil are 10),
  <NA> missing (the pupil was present but the answer is unknown, usually a whole row).
* tobacco: 1 none, 2 occasional, 3 regular (more than once a week).
* alcohol: 1 none, 2 once or twice a year, 3 once a month, 4 once a week, 5 more than once a week.
* cannabis: 1 none, 2 tried once, 3 occasional, 4 regular.
* sport (s50 only): 1 not regular, 2 regular sport or training out of school.
* family_event (s50 only): 1 no change, 2 change in the number of people the pupil lives with,
  between this wave and the next (so <NA> at the last wave).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

WAVES = (1, 2, 3)
ABSENT = 10
"""Friendship code of a structurally absent pupil (not in the school at that wave)."""
SUBSTANCES = ("alcohol", "tobacco", "cannabis")
S50_ATTRIBUTES = {"smoke": "tobacco", "alcohol": "alcohol", "drugs": "cannabis", "sport": "sport"}
"""s50 attribute files (``s50-<key>.dat``) and the column names they get (same names as the full study)."""


def _read_rdata(path: Path, expected: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    import pyreadr

    objects = pyreadr.read_r(str(path))
    missing = [name for name in expected if name not in objects]
    if missing:
        raise ValueError(f"{path.name}: R objects {missing} not found; it holds {sorted(objects)}")
    return objects


def _codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Object/float code matrix -> nullable integers (R NA -> <NA>)."""
    return frame.apply(lambda column: pd.to_numeric(column, errors="raise")).astype("Int64")


def friendship(path: Path, entry) -> pd.DataFrame:
    """Friendship nominations of the 160 Glasgow pupils: every off-diagonal cell of the 3 waves.

    One row per wave and ordered pair (ego, alter), ego != alter: 3 x 160 x 159 = 76,320 rows.
    ``value`` is the source code (0 none, 1 best friend, 2 friend, 10 absent, <NA> missing); keeping
    every cell makes missing answers and absences explicit. A pupil is present at a wave unless all
    of their cells are 10.
    """
    objects = _read_rdata(path, tuple(f"friendship.{w}" for w in WAVES))
    frames = []
    for wave in WAVES:
        matrix = _codes(objects[f"friendship.{wave}"])
        if list(matrix.index) != list(matrix.columns):
            raise ValueError(f"{path.name}: friendship.{wave} row and column names differ")
        long = matrix.rename_axis(index="ego", columns="alter").stack(future_stack=True)
        long = long.rename("value").reset_index()
        frames.append(long.loc[long["ego"] != long["alter"]].assign(wave=wave))
    table = pd.concat(frames, ignore_index=True)
    return table.astype({"ego": "string", "alter": "string", "wave": "int64"})[["wave", "ego", "alter", "value"]]


def substances(path: Path, entry) -> pd.DataFrame:
    """Tobacco, alcohol and cannabis use of the 160 pupils, one row per pupil and wave (480 rows)."""
    objects = _read_rdata(path, SUBSTANCES)
    index = objects["tobacco"].index
    long = {}
    for name in SUBSTANCES:
        matrix = _codes(objects[name])
        if list(matrix.index) != list(index) or list(matrix.columns) != [f"t{w}" for w in WAVES]:
            raise ValueError(f"{path.name}: {name} is not a pupil x (t1, t2, t3) matrix like tobacco")
        matrix.columns = list(WAVES)
        long[name] = matrix.rename_axis(index="pupil", columns="wave").stack(future_stack=True)
    table = pd.DataFrame(long).reset_index()
    return table.astype({"pupil": "string", "wave": "int64"})[["pupil", "wave", *SUBSTANCES]]


def demographic(path: Path, entry) -> pd.DataFrame:
    """Sex and age (years, at wave 1) of the 160 pupils, one row per pupil."""
    objects = _read_rdata(path, ("sex.F", "age"))
    sex_code = objects["sex.F"]["sex.F"]
    unknown = set(sex_code.dropna().unique()) - {1.0, 2.0}
    if unknown:
        raise ValueError(f"{path.name}: sex.F codes {sorted(unknown)} are not 1 (boy) or 2 (girl)")
    n = len(sex_code)
    return pd.DataFrame(
        {
            "pupil": pd.array([f"s{i:03d}" for i in range(1, n + 1)], dtype="string"),
            "sex": pd.array(sex_code.map({1.0: "boy", 2.0: "girl"}), dtype="string"),
            "age": objects["age"]["age"].to_numpy(dtype=float),
        }
    )


def _read_dat(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    text = archive.read(name).decode("ascii")
    return np.loadtxt(io.StringIO(text), dtype=int, ndmin=2)


def s50(path: Path, entry) -> pd.DataFrame:
    """The 50-girl excerpt as an edge list carrying the ego's attributes.

    One row per wave, girl (``ego``, ids ``g01`` .. ``g50``; not linked to the ``s`` ids of the full
    study) and girl she named as a friend (``alter``); a girl who named nobody at a wave has one row
    with ``alter`` <NA>. Every row repeats the ego's attributes at that wave (``tobacco``,
    ``alcohol``, ``cannabis``, ``sport``, ``family_event``; codes in the module docstring), so each
    girl-wave appears at least once and the table is lossless. The files have no missing values
    and no absent girls.
    """
    with zipfile.ZipFile(path) as archive:
        networks = [_read_dat(archive, f"s50-network{w}.dat") for w in WAVES]
        attributes = {column: _read_dat(archive, f"s50-{key}.dat") for key, column in S50_ATTRIBUTES.items()}
        family = _read_dat(archive, "s50-familyevent.dat")
    n = networks[0].shape[0]
    shapes = {m.shape for m in networks} | {(n, n)}
    if len(shapes) != 1 or any(m.shape != (n, len(WAVES)) for m in attributes.values()):
        raise ValueError(f"{path.name}: expected {n}x{n} networks and {n}x3 attribute files")
    family = np.column_stack([family, np.full(n, -1)])
    ids = np.array([f"g{i:02d}" for i in range(1, n + 1)])
    rows = []
    for w, matrix in enumerate(networks):
        ego_index, alter_index = np.nonzero(matrix)
        isolates = np.setdiff1d(np.arange(n), ego_index)
        egos = np.concatenate([ego_index, isolates])
        alters = np.concatenate([ids[alter_index], np.full(len(isolates), None, dtype=object)])
        frame = pd.DataFrame({"wave": WAVES[w], "ego": ids[egos], "alter": alters})
        for column, values in attributes.items():
            frame[column] = values[egos, w]
        frame["family_event"] = family[egos, w]
        rows.append(frame)
    table = pd.concat(rows, ignore_index=True).sort_values(["wave", "ego", "alter"], ignore_index=True)
    table["family_event"] = table["family_event"].astype("Int64").replace(-1, pd.NA)
    return table.astype({"ego": "string", "alter": "string", "wave": "int64", **{c: "Int64" for c in attributes}})
