"""LongitudinalNetwork: tie views, missing/absent handling, constructors, and the Glasgow/s50 loaders."""

import numpy as np
import pandas as pd
import pytest

from kinship_research.data import entry
from kinship_research.data.loaders import glasgow
from kinship_research.networks.longitudinal import LongitudinalNetwork, tie_view

NAN = np.nan


def small_network() -> LongitudinalNetwork:
    """3 nodes, 2 waves: a->b, b->a, a->c at wave 1; c absent at wave 2, b's answer missing at wave 2."""
    edges = pd.DataFrame({"wave": [1, 1, 1, 2], "ego": ["a", "b", "a", "a"], "alter": ["b", "a", "c", "b"]})
    attributes = pd.DataFrame(
        {
            "wave": [1, 1, 1, 2, 2],
            "node": ["a", "b", "c", "a", "b"],
            "smokes": [1, 0, 1, 1, 1],
            "responded": [True, True, True, True, False],
        }
    )
    return LongitudinalNetwork.from_frames(edges, attributes)


def test_tie_views_three_valued_logic():
    m = np.array([[0, 1, 1, NAN], [1, 0, 0, 0], [0, 0, 0, 1], [NAN, 1, 0, 0]], dtype=float)
    ego = tie_view(m, "ego_nominated")
    assert np.array_equal(ego, m, equal_nan=True)
    assert np.array_equal(tie_view(m, "alter_nominated"), m.T, equal_nan=True)
    mutual = tie_view(m, "mutual")
    assert mutual[0, 1] == 1 and mutual[0, 2] == 0 and np.isnan(mutual[0, 3]) and mutual[1, 3] == 0
    either = tie_view(m, "any")
    assert either[0, 2] == 1 and either[2, 0] == 1 and either[1, 2] == 0 and np.isnan(either[0, 3])
    ego_only = tie_view(m, "ego_nominated", exclusive=True)
    assert ego_only[0, 1] == 0 and ego_only[0, 2] == 1 and np.isnan(ego_only[0, 3])
    alter_only = tie_view(m, "alter_nominated", exclusive=True)
    assert alter_only[2, 0] == 1 and alter_only[1, 0] == 0
    # exclusive types partition 'any' wherever the pair is known
    known = ~np.isnan(either)
    total = tie_view(m, "mutual") + ego_only + alter_only
    assert np.array_equal(total[known], either[known])
    with pytest.raises(ValueError, match="allowed"):
        tie_view(m, "friends")


def test_from_frames_absent_and_missing():
    net = small_network()
    assert net.nodes == ("a", "b", "c") and net.waves == (1, 2)
    assert net.present.tolist() == [[True, True, True], [True, True, False]]
    w2 = net.ties[1]
    assert w2[0, 1] == 1 and np.isnan(w2[1, 0]) and np.isnan(w2[0, 2]) and np.isnan(w2[2, 0])
    assert np.isnan(net.attribute("smokes")[1, 2])  # absent node has no attribute
    assert net.tie_frame(1, "mutual").to_dict("records") == [{"ego": "a", "alter": "b"}, {"ego": "b", "alter": "a"}]
    summary = net.summary()
    assert summary["present"].tolist() == [3, 2] and summary["responding"].tolist() == [3, 1]
    assert summary["ties"].tolist() == [3, 1]
    assert summary.loc[0, "reciprocity"] == pytest.approx(2 / 3)
    g = net.graph(2, "any")
    assert set(g.nodes) == {"a", "b"} and g.has_edge("a", "b") and g.nodes["a"]["smokes"] == 1
    d = net.graph(1, "ego_nominated")
    assert d.is_directed() and d.has_edge("a", "c") and not d.has_edge("c", "a")


def test_indicator_and_with_attribute():
    net = small_network().indicator("smoker", "smokes", 1)
    assert np.array_equal(net.attribute("smoker"), net.attribute("smokes"), equal_nan=True)
    with pytest.raises(ValueError, match="does not split"):
        net.indicator("x", "smokes", 5)
    with pytest.raises(ValueError, match="shape"):
        net.with_attribute("x", np.zeros((3, 3)))
    with pytest.raises(KeyError, match="available"):
        net.attribute("height")


def test_from_csv_roundtrip_and_errors(tmp_path):
    edges = tmp_path / "edges.csv"
    nodes = tmp_path / "nodes.csv"
    edges.write_text("wave,ego,alter\n1,a,b\n1,b,c\n2,c,a\n")
    nodes.write_text("wave,node,smokes\n1,a,1\n1,b,0\n1,c,0\n2,a,1\n2,b,1\n2,c,0\n")
    net = LongitudinalNetwork.from_csv(edges, nodes)
    assert int(np.nansum(net.ties)) == 3 and net.ties[1, 2, 0] == 1
    with pytest.raises(FileNotFoundError):
        LongitudinalNetwork.from_csv(tmp_path / "none.csv", nodes)
    bad = {
        "wave,ego\n1,a\n": "has no column",
        "wave,ego,alter\n1,a,a\n": "self-nominations",
        "wave,ego,alter\n1,a,b\n1,a,b\n": "repeated",
        "wave,ego,alter\n1,a,z\n": "absent from the attributes",
        "wave,ego,alter\n3,a,b\n": "have no rows",
        "wave,ego,alter\nx,a,b\n": "integers",
        "wave,ego,alter,tie\n1,a,b,2\n": "'tie' must be",
    }
    for text, message in bad.items():
        edges.write_text(text)
        with pytest.raises((ValueError, KeyError), match=message):
            LongitudinalNetwork.from_csv(edges, nodes)
    edges.write_text("wave,ego,alter\n1,a,b\n")
    nodes.write_text("wave,node\n1,a\n1,b\n2,a\n")
    LongitudinalNetwork.from_csv(edges, nodes)  # b absent at wave 2 is fine without ties
    edges.write_text("wave,ego,alter\n2,a,b\n")
    with pytest.raises(ValueError, match="not present"):
        LongitudinalNetwork.from_csv(edges, nodes)
    nodes.write_text("wave,node\n1,a\n1,a\n")
    with pytest.raises(ValueError, match="more than one row"):
        LongitudinalNetwork.from_csv(edges, nodes)


def test_constructor_validation():
    with pytest.raises(ValueError, match="0, 1 or NaN"):
        LongitudinalNetwork(
            ("a", "b"), (1,), np.full((1, 2, 2), 2.0), np.ones((1, 2), bool), pd.DataFrame({"wave": [1], "node": ["a"]})
        )
    with pytest.raises(ValueError, match="shape"):
        LongitudinalNetwork(
            ("a", "b"), (1,), np.zeros((1, 3, 3)), np.ones((1, 2), bool), pd.DataFrame({"wave": [1], "node": ["a"]})
        )
    with pytest.raises(ValueError, match="increasing"):
        LongitudinalNetwork(
            ("a", "b"), (2, 1), np.zeros((2, 2, 2)), np.ones((2, 2), bool), pd.DataFrame({"wave": [1], "node": ["a"]})
        )
    with pytest.raises(KeyError, match="unknown wave"):
        small_network().tie_matrix(7)


@pytest.fixture(scope="module")
def glasgow_tables(mirror):
    return (
        glasgow.friendship(mirror / "Glasgow-friendship.RData", entry("glasgow_friendship")),
        glasgow.substances(mirror / "Glasgow-substances.RData", entry("glasgow_substances")),
        glasgow.demographic(mirror / "Glasgow-demographic.RData", entry("glasgow_demographic")),
    )


def test_glasgow_loaders(glasgow_tables):
    friendship, substances, demographic = glasgow_tables
    assert len(friendship) == 3 * 160 * 159
    assert set(friendship["value"].dropna().unique()) == {0, 1, 2, 10}
    # cell counts of the R matrices (diagonal excluded): ties at wave 1 = 109 best + 477 friends
    wave1 = friendship.loc[friendship["wave"] == 1, "value"]
    assert (wave1 == 1).sum() + (wave1 == 2).sum() == 586
    assert substances.shape == (480, 5) and substances["tobacco"].dropna().isin([1, 2, 3]).all()
    assert substances["alcohol"].dropna().isin(range(1, 6)).all()
    assert demographic["sex"].value_counts().to_dict() == {"boy": 84, "girl": 76}
    assert demographic["age"].isna().sum() == 1
    for table, dataset in (
        (friendship, "glasgow_friendship"),
        (substances, "glasgow_substances"),
        (demographic, "glasgow_demographic"),
    ):
        assert list(table.columns) == list(entry(dataset).variables)


def test_glasgow_network(glasgow_tables):
    net = LongitudinalNetwork.from_glasgow(*glasgow_tables)
    assert net.n_nodes == 160 and net.waves == (1, 2, 3)
    # 7, 8 and 21 pupils structurally absent (code 10 on their whole row) at waves 1..3
    assert (~net.present).sum(axis=1).tolist() == [7, 8, 21]
    assert net.summary()["ties"].tolist() == [586, 516, 497]
    tobacco = net.attribute("tobacco")
    assert np.isnan(tobacco[~net.present]).all()
    with pytest.raises(ValueError, match="unexpected friendship codes"):
        friendship = glasgow_tables[0].copy()
        friendship.loc[0, "value"] = 3
        LongitudinalNetwork.from_glasgow(friendship, *glasgow_tables[1:])


def test_s50_loader_and_network(mirror):
    table = glasgow.s50(mirror / "s50_data.zip", entry("s50"))
    assert list(table.columns) == list(entry("s50").variables)
    net = LongitudinalNetwork.from_s50(table)
    assert net.n_nodes == 50 and net.present.all()
    # nominations per wave in s50-network1..3.dat
    assert net.summary()["ties"].tolist() == [113, 116, 122]
    smoke = net.attribute("tobacco")
    assert smoke.shape == (3, 50) and not np.isnan(smoke).any()
    assert smoke[:, 0].tolist() == [2, 1, 1]  # first line of s50-smoke.dat
    assert np.isnan(net.attribute("family_event")[2]).all()
