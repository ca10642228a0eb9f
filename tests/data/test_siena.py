"""SIENA example data: RSiena's s50 matrices equal the s50 zip; klas12b codes and composition."""

import numpy as np

from kinship_research.data import load


def test_rsiena_s50_matrices_equal_the_s50_files(mirror):
    cells = load("rsiena_data")
    s50 = load("s50")
    for wave in (1, 2, 3):
        m = cells[cells["object"] == f"s50{wave}"]
        ours = {
            (f"g{r:02d}", f"g{c:02d}") for r, c, v in m[["row", "column", "value"]].itertuples(index=False) if v == 1
        }
        ties = s50[(s50["wave"] == wave) & s50["alter"].notna()]
        assert ours == set(zip(ties["ego"], ties["alter"]))


def test_klas12b_codes_and_absent_pupils(mirror):
    k = load("klas12b")
    assert set(k["value"].unique()) <= {0, 1, 9, 10}
    assert k.groupby("wave").size().eq(26 * 25).all()
    # a pupil absent at a wave (whole row coded 10) is also absent as a nominee (whole column 10)
    n_absent = 0
    for _, cells in k.groupby("wave"):
        absent = cells.groupby("ego")["value"].apply(lambda v: (v == 10).all())
        n_absent += int(absent.sum())
        for pupil in absent[absent].index:
            assert (cells.loc[cells["alter"] == pupil, "value"] == 10).all()
    assert n_absent == 2  # one pupil (k21) has left by waves C and D
    assert np.isin(k["sex"].unique(), [0, 1, 2]).all()
