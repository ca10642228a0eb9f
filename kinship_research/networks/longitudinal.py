"""Longitudinal (panel) friendship networks: directed ties in waves over one node set.

A :class:`LongitudinalNetwork` holds, for waves ``w = 1..W`` and nodes ``i, j``:

* ``ties[w, i, j]``: 1 if ``i`` named ``j`` at wave ``w``, 0 if not, NaN if unknown (``i``'s answer
  is missing, or ``i`` or ``j`` is absent at that wave); the diagonal of present nodes is 0.
* ``present[w, i]``: whether node ``i`` belongs to the network at wave ``w`` (a pupil who has left or
  not yet joined the school is structurally absent, code 10 in the Glasgow files).
* ``attributes``: one row per wave and node (columns ``wave``, ``node`` and the node attributes);
  attributes of absent nodes are <NA>.

Tie views of an ordered pair (ego ``i``, alter ``j``) follow Christakis & Fowler (2007, NEJM
357:370): *ego-nominated* (``i`` names ``j``: ``j`` is an "ego-perceived friend"),
*alter-nominated* (``j`` names ``i``), *mutual* (both) and *any* (either). With
``exclusive=True`` the ego- and alter-nominated views leave out mutual pairs, so that the three
types mutual / ego-only / alter-only partition the ties.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kinship_research.data.loaders.glasgow import ABSENT
from kinship_research.methods.checks import require_columns

if TYPE_CHECKING:  # networkx is imported when a graph is built
    import networkx as nx

TIE_VIEWS = ("ego_nominated", "alter_nominated", "mutual", "any")
GLASGOW_TIE_CODES = (1, 2)
"""Glasgow friendship codes counted as a tie: 1 best friend, 2 friend."""


def _check_view(view: str) -> None:
    if view not in TIE_VIEWS:
        raise ValueError(f"unknown tie view {view!r}; allowed: {', '.join(TIE_VIEWS)}")


def tie_view(matrix: np.ndarray, view: str, exclusive: bool = False) -> np.ndarray:
    """Pair-level tie indicator (1/0/NaN) of a directed 0/1/NaN matrix under a tie view.

    Three-valued logic: a pair is 1 when the view's condition holds for known cells, 0 when it is
    ruled out by a known cell, NaN otherwise. ``exclusive`` removes mutual pairs from the ego- and
    alter-nominated views.
    """
    _check_view(view)
    out_tie, in_tie = matrix, matrix.T
    if view == "ego_nominated":
        first, second = out_tie, (1.0 - in_tie) if exclusive else None
    elif view == "alter_nominated":
        first, second = in_tie, (1.0 - out_tie) if exclusive else None
    elif view == "mutual":
        first, second = out_tie, in_tie
    else:
        either = np.where(
            (out_tie == 1) | (in_tie == 1), 1.0, np.where(np.isnan(out_tie) | np.isnan(in_tie), np.nan, 0.0)
        )
        return either
    if second is None:
        return first.copy()
    return np.where((first == 0) | (second == 0), 0.0, np.where(np.isnan(first) | np.isnan(second), np.nan, 1.0))


@dataclass(frozen=True, eq=False)
class LongitudinalNetwork:
    """Directed friendship ties in waves over one node set, with a node-by-wave attribute table.

    Parameters
    ----------
    nodes : tuple of str
        Node ids, in the order of the matrix axes.
    waves : tuple of int
        Wave labels, increasing, in the order of the first axis.
    ties : ndarray, shape (n_waves, n_nodes, n_nodes)
        1 tie, 0 no tie, NaN unknown (see the module docstring).
    present : ndarray of bool, shape (n_waves, n_nodes)
        Node membership per wave.
    attributes : DataFrame
        Columns ``wave``, ``node`` and attribute columns; one row per wave and node.
    """

    nodes: tuple[str, ...]
    waves: tuple[int, ...]
    ties: np.ndarray
    present: np.ndarray
    attributes: pd.DataFrame

    def __post_init__(self):
        n, w = len(self.nodes), len(self.waves)
        if len(set(self.nodes)) != n:
            raise ValueError("node ids must be unique")
        if w < 1 or list(self.waves) != sorted(set(self.waves)):
            raise ValueError(f"waves must be distinct and increasing, got {self.waves}")
        ties = np.asarray(self.ties, dtype=float)
        present = np.asarray(self.present, dtype=bool)
        if ties.shape != (w, n, n) or present.shape != (w, n):
            raise ValueError(
                f"ties must have shape {(w, n, n)} and present {(w, n)}; got {ties.shape} and {present.shape}"
            )
        known = ties[~np.isnan(ties)]
        if not np.isin(known, (0.0, 1.0)).all():
            raise ValueError("ties must be 0, 1 or NaN")
        ties = ties.copy()
        ties[:, np.arange(n), np.arange(n)] = 0.0
        ties[(~present)[:, :, None] | (~present)[:, None, :]] = np.nan
        ties.setflags(write=False)
        present = present.copy()
        present.setflags(write=False)
        attributes = self._aligned(self.attributes, present)
        object.__setattr__(self, "ties", ties)
        object.__setattr__(self, "present", present)
        object.__setattr__(self, "attributes", attributes)

    def _aligned(self, attributes: pd.DataFrame, present: np.ndarray) -> pd.DataFrame:
        missing = {"wave", "node"} - set(attributes.columns)
        if missing:
            raise ValueError(f"attributes need columns 'wave' and 'node'; missing {sorted(missing)}")
        if attributes.duplicated(["wave", "node"]).any():
            raise ValueError("attributes have more than one row for some (wave, node)")
        grid = pd.DataFrame(
            {
                "wave": np.repeat(self.waves, len(self.nodes)),
                "node": pd.array(np.tile(self.nodes, len(self.waves)), dtype="string"),
            }
        )
        extra = attributes.merge(grid, on=["wave", "node"], how="left", indicator=True)
        unknown = extra.loc[extra["_merge"] == "left_only", ["wave", "node"]]
        if len(unknown):
            raise ValueError(f"attributes name unknown waves/nodes, e.g. {unknown.head(3).to_dict('records')}")
        table = grid.merge(attributes.astype({"node": "string"}), on=["wave", "node"], how="left")
        columns = [c for c in table.columns if c not in ("wave", "node")]
        table.loc[~present.ravel(), columns] = pd.NA
        return table

    # --- shape -----------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_waves(self) -> int:
        return len(self.waves)

    def wave_index(self, wave: int) -> int:
        """Position of a wave label on the first axis."""
        if wave not in self.waves:
            raise KeyError(f"unknown wave {wave!r}; waves are {self.waves}")
        return self.waves.index(wave)

    # --- attributes ------------------------------------------------------------------------
    def attribute(self, name: str) -> np.ndarray:
        """Attribute ``name`` as a float array of shape (n_waves, n_nodes), NaN where missing/absent."""
        if name in ("wave", "node") or name not in self.attributes.columns:
            allowed = [c for c in self.attributes.columns if c not in ("wave", "node")]
            raise KeyError(f"unknown attribute {name!r}; available: {allowed}")
        column = self.attributes[name]
        if not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            raise ValueError(f"attribute {name!r} is not numeric (dtype {column.dtype}); recode it first")
        values = column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        return values.reshape(self.n_waves, self.n_nodes)

    def with_attribute(self, name: str, values: np.ndarray) -> LongitudinalNetwork:
        """A copy with attribute ``name`` set from an (n_waves, n_nodes) array (NaN = missing)."""
        values = np.asarray(values, dtype=float)
        if values.shape != (self.n_waves, self.n_nodes):
            raise ValueError(f"values must have shape {(self.n_waves, self.n_nodes)}, got {values.shape}")
        table = self.attributes.copy()
        table[name] = pd.array(values.ravel(), dtype="Float64")
        return replace(self, attributes=table)

    def indicator(self, name: str, source: str, at_least: float) -> LongitudinalNetwork:
        """A copy with a 0/1 attribute ``name`` = 1 when ``source >= at_least`` (missing stays missing).

        E.g. ``indicator("smoker", "tobacco", 2)`` codes occasional or regular smoking as 1.
        """
        values = self.attribute(source)
        observed = values[~np.isnan(values)]
        if observed.size and not (observed.min() < at_least <= observed.max()):
            raise ValueError(
                f"threshold {at_least} does not split {source!r} (observed range "
                f"{observed.min()}..{observed.max()}): every value would be coded the same"
            )
        return self.with_attribute(name, np.where(np.isnan(values), np.nan, (values >= at_least) * 1.0))

    # --- ties ------------------------------------------------------------------------------
    def tie_matrix(self, wave: int, view: str = "ego_nominated", exclusive: bool = False) -> np.ndarray:
        """Pair-level tie indicator (n_nodes x n_nodes, 1/0/NaN) at a wave under a tie view.

        Entry ``[i, j]`` refers to ego ``i`` and alter ``j`` (see :func:`tie_view`).
        """
        return tie_view(self.ties[self.wave_index(wave)], view, exclusive)

    def tie_frame(self, wave: int, view: str = "ego_nominated", exclusive: bool = False) -> pd.DataFrame:
        """Ordered pairs (ego, alter) that are tied at a wave under a view, one row per pair."""
        ego, alter = np.nonzero(self.tie_matrix(wave, view, exclusive) == 1)
        nodes = np.asarray(self.nodes)
        return pd.DataFrame(
            {"ego": pd.array(nodes[ego], dtype="string"), "alter": pd.array(nodes[alter], dtype="string")}
        )

    def graph(self, wave: int, view: str = "any") -> nx.Graph:
        """The network at a wave as a networkx graph of the present nodes with their attributes.

        ``view="ego_nominated"`` gives the directed nomination graph (``nx.DiGraph``, edge i -> j when
        i named j); ``"mutual"`` and ``"any"`` give undirected graphs. Unknown cells count as no tie.
        """
        _check_view(view)
        if view == "alter_nominated":
            raise ValueError(
                "view 'alter_nominated' is the reverse of 'ego_nominated' as a graph; "
                "use 'ego_nominated' (DiGraph), 'mutual' or 'any'"
            )
        index = self.wave_index(wave)
        import networkx as nx

        graph = nx.DiGraph() if view == "ego_nominated" else nx.Graph()
        rows = self.attributes.iloc[index * self.n_nodes : (index + 1) * self.n_nodes]
        for position in np.flatnonzero(self.present[index]):
            row = rows.iloc[position].drop(["wave", "node"])
            graph.add_node(self.nodes[position], **{k: (None if pd.isna(v) else v) for k, v in row.items()})
        ego, alter = np.nonzero(self.tie_matrix(wave, view) == 1)
        graph.add_edges_from((self.nodes[i], self.nodes[j]) for i, j in zip(ego, alter))
        return graph

    def summary(self) -> pd.DataFrame:
        """Per wave: nodes present, responding, ties, mean out-degree, density, reciprocity."""
        rows = []
        for k, wave in enumerate(self.waves):
            present, ties = self.present[k], self.ties[k]
            others = present[None, :] & ~np.eye(self.n_nodes, dtype=bool)
            responding = present & ~np.where(others, np.isnan(ties), True).all(axis=1)
            n_ties = int(np.nansum(ties))
            possible = responding.sum() * max(present.sum() - 1, 0)
            mutual = int(np.nansum(tie_view(ties, "mutual")))
            rows.append(
                {
                    "wave": wave,
                    "present": int(present.sum()),
                    "responding": int(responding.sum()),
                    "ties": n_ties,
                    "mean_out_degree": n_ties / max(responding.sum(), 1),
                    "density": n_ties / possible if possible else np.nan,
                    "reciprocity": mutual / n_ties if n_ties else np.nan,
                }
            )
        return pd.DataFrame(rows)

    # --- constructors ----------------------------------------------------------------------
    @classmethod
    def from_frames(cls, edges: pd.DataFrame, attributes: pd.DataFrame) -> LongitudinalNetwork:
        """Build from an edge list and a node-by-wave attribute table (the :meth:`from_csv` format).

        ``edges``: columns ``wave``, ``ego``, ``alter`` (one row per nomination); an optional
        ``tie`` column (1 tie, 0 no tie, empty = unknown) records known non-ties and unknown cells.
        ``attributes``: columns ``wave``, ``node`` and any attributes; a node is present at a wave
        exactly when it has a row there. An optional boolean column ``responded`` marks nodes
        whose own nominations are unknown at that wave (False): their outgoing cells become NaN.
        Present nodes' unlisted pairs are 0.
        """
        for name, frame, required in (
            ("edges", edges, ("wave", "ego", "alter")),
            ("attributes", attributes, ("wave", "node")),
        ):
            require_columns(frame, required, f"{name} table")
        for name, frame in (("edges", edges), ("attributes", attributes)):
            wave = pd.to_numeric(frame["wave"], errors="coerce")
            if wave.isna().any() or (wave != wave.round()).any():
                raise ValueError(f"{name}: 'wave' must be integers, got {frame['wave'].head(3).tolist()}")
        attributes = attributes.astype({"wave": "int64", "node": "string"})
        edges = edges.astype({"wave": "int64", "ego": "string", "alter": "string"})
        if attributes["node"].isna().any():
            raise ValueError("attributes: 'node' has missing ids")
        if attributes.duplicated(["wave", "node"]).any():
            dup = attributes.loc[attributes.duplicated(["wave", "node"]), ["wave", "node"]].head(3)
            raise ValueError(f"attributes: more than one row per (wave, node), e.g. {dup.to_dict('records')}")
        nodes = tuple(sorted(attributes["node"].unique()))
        waves = tuple(sorted(attributes["wave"].unique()))
        position = {node: i for i, node in enumerate(nodes)}
        present = np.zeros((len(waves), len(nodes)), bool)
        present[attributes["wave"].map(waves.index), attributes["node"].map(position)] = True
        unknown_wave = sorted(set(edges["wave"]) - set(waves))
        if unknown_wave:
            raise ValueError(f"edges: waves {unknown_wave} have no rows in the attributes table {waves}")
        if edges[["ego", "alter"]].isna().any().any():
            raise ValueError("edges: 'ego' and 'alter' must not be missing")
        if (edges["ego"] == edges["alter"]).any():
            raise ValueError("edges: self-nominations (ego == alter) are not allowed")
        if edges.duplicated(["wave", "ego", "alter"]).any():
            dup = edges.loc[edges.duplicated(["wave", "ego", "alter"]), ["wave", "ego", "alter"]].head(3)
            raise ValueError(f"edges: repeated (wave, ego, alter) rows, e.g. {dup.to_dict('records')}")
        w = edges["wave"].map(waves.index).to_numpy()
        i = edges["ego"].map(position)
        j = edges["alter"].map(position)
        unknown = edges.loc[i.isna() | j.isna(), ["wave", "ego", "alter"]]
        if len(unknown):
            raise ValueError(
                f"edges name nodes absent from the attributes table, e.g. {unknown.head(3).to_dict('records')}"
            )
        i, j = i.to_numpy(int), j.to_numpy(int)
        if not (present[w, i] & present[w, j]).all():
            bad = edges.loc[~(present[w, i] & present[w, j]), ["wave", "ego", "alter"]].head(3)
            raise ValueError(f"edges involve nodes not present at that wave, e.g. {bad.to_dict('records')}")
        value = (
            np.ones(len(edges))
            if "tie" not in edges
            else pd.to_numeric(edges["tie"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        )
        if not np.isin(value[~np.isnan(value)], (0.0, 1.0)).all():
            raise ValueError("edges: 'tie' must be 1 (tie), 0 (no tie) or empty (unknown)")
        ties = np.zeros((len(waves), len(nodes), len(nodes)))
        if "responded" in attributes:
            responded = attributes["responded"].astype("boolean")
            if responded.isna().any():
                raise ValueError("attributes: 'responded' must be True or False for every row")
            silent = attributes.loc[~responded.to_numpy(bool)]
            ties[silent["wave"].map(waves.index).to_numpy(int), silent["node"].map(position).to_numpy(int), :] = np.nan
            attributes = attributes.drop(columns="responded")
        ties[w, i, j] = value
        return cls(nodes, waves, ties, present, attributes)

    @classmethod
    def from_csv(cls, edges_path: str | Path, attributes_path: str | Path) -> LongitudinalNetwork:
        """Read the :meth:`from_frames` format from two CSV files (edge list, node-by-wave attributes)."""
        for path in (edges_path, attributes_path):
            if not Path(path).is_file():
                raise FileNotFoundError(f"no such CSV file: {path}")
        edges = pd.read_csv(edges_path, dtype={"ego": "string", "alter": "string"})
        attributes = pd.read_csv(attributes_path, dtype={"node": "string"})
        return cls.from_frames(edges, attributes)

    @classmethod
    def from_glasgow(
        cls, friendship: pd.DataFrame, substances: pd.DataFrame, demographic: pd.DataFrame
    ) -> LongitudinalNetwork:
        """Build from ``load("glasgow_friendship")``, ``load("glasgow_substances")``, ``load("glasgow_demographic")``.

        Codes 1 (best friend) and 2 (friend) are ties, 0 no tie, <NA> unknown; a pupil is absent at
        a wave when all of their cells are 10. Attributes: ``tobacco``, ``alcohol``, ``cannabis``
        (codes of the loader), ``girl`` (1 girl, 0 boy) and ``age`` (years at wave 1).
        """
        needed = {
            "friendship": ({"wave", "ego", "alter", "value"}, friendship),
            "substances": ({"pupil", "wave", "tobacco", "alcohol", "cannabis"}, substances),
            "demographic": ({"pupil", "sex", "age"}, demographic),
        }
        for name, (columns, frame) in needed.items():
            if not columns <= set(frame.columns):
                raise ValueError(f"{name} table lacks columns {sorted(columns - set(frame.columns))}")
        codes = set(friendship["value"].dropna().unique()) - {0, *GLASGOW_TIE_CODES, ABSENT}
        if codes:
            raise ValueError(f"unexpected friendship codes {sorted(codes)}; allowed 0, 1, 2, 10, <NA>")
        nodes = tuple(sorted(set(friendship["ego"]) | set(friendship["alter"])))
        waves = tuple(sorted(friendship["wave"].unique()))
        n = len(nodes)
        if len(friendship) != len(waves) * n * (n - 1):
            raise ValueError(
                "friendship must hold every off-diagonal cell of every wave (the glasgow_friendship loader's format)"
            )
        position = {node: k for k, node in enumerate(nodes)}
        w = friendship["wave"].map(waves.index).to_numpy(int)
        i = friendship["ego"].map(position).to_numpy(int)
        j = friendship["alter"].map(position).to_numpy(int)
        code = friendship["value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        cells = np.full((len(waves), n, n), ABSENT, dtype=float)
        cells[w, i, j] = code
        off_diagonal = ~np.eye(n, dtype=bool)
        present = ~((cells == ABSENT) | ~off_diagonal).all(axis=2)
        ties = np.where(np.isnan(cells), np.nan, np.isin(cells, GLASGOW_TIE_CODES) * 1.0)
        ties[cells == ABSENT] = np.nan
        people = demographic.assign(girl=demographic["sex"].map({"girl": 1, "boy": 0}).astype("Int64"))
        attributes = substances.rename(columns={"pupil": "node"}).merge(
            people.rename(columns={"pupil": "node"})[["node", "girl", "age"]], on="node", how="left"
        )
        attributes = attributes.loc[attributes["node"].isin(nodes)]
        return cls(nodes, waves, ties, present, attributes)

    @classmethod
    def from_s50(cls, table: pd.DataFrame) -> LongitudinalNetwork:
        """Build from ``load("s50")`` (edge list carrying ego attributes; all 50 girls present)."""
        required = {"wave", "ego", "alter"}
        if not required <= set(table.columns):
            raise ValueError(f"s50 table lacks columns {sorted(required - set(table.columns))}")
        attribute_columns = [c for c in table.columns if c not in required]
        attributes = table.drop_duplicates(["wave", "ego"]).rename(columns={"ego": "node"})[
            ["wave", "node", *attribute_columns]
        ]
        edges = table.loc[table["alter"].notna(), ["wave", "ego", "alter"]]
        return cls.from_frames(edges, attributes)
