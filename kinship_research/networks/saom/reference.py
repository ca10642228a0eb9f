"""Published RSiena results used to validate the SAOM estimator (tests) and shown in notebooks."""

from __future__ import annotations

RSIENA_MANUAL_S50 = {
    "network rate (period 1)": (6.08, 1.02),
    "outdegree (density)": (-2.53, 0.16),
    "reciprocity": (2.10, 0.30),
    "transitive triplets": (0.55, 0.20),
    "3-cycles": (0.08, 0.38),
    "smoke1 similarity": (0.44, 0.26),
}
"""(estimate, standard error) in the RSiena manual (Ripley et al.), s50 waves 1-2, conditional
method of moments; two RSiena runs differ by about 0.01."""

RSIENA_MANUAL_S50_EFFECTS = ["outdegree", "reciprocity", "transitive_triplets", "three_cycles", "similarity:smoke1"]

RSIENA_S50_COEVOLUTION = {
    "network rate (period 1)": (6.5490, 1.1566),
    "network rate (period 2)": (5.1581, 0.9815),
    "outdegree (density)": (-2.7601, 0.1450),
    "reciprocity": (2.3730, 0.2064),
    "transitive triplets": (0.6382, 0.1406),
    "3-cycles": (-0.0604, 0.2859),
    "smoke1 similarity": (0.1764, 0.2209),
    "drinkingbeh alter": (-0.0436, 0.1213),
    "drinkingbeh ego": (0.0717, 0.1337),
    "drinkingbeh similarity": (1.3418, 0.6484),
    "drinkingbeh rate (period 1)": (1.3194, 0.3736),
    "drinkingbeh rate (period 2)": (1.7806, 0.5254),
    "drinkingbeh linear shape": (0.4179, 0.2382),
    "drinkingbeh quadratic shape": (-0.5948, 0.3620),
    "drinkingbeh average alter": (1.3014, 0.9056),
}
"""(estimate, standard error) of RSiena 1.3.0.1 on s50 waves 1-3 (unconditional method of moments,
seed 492054, effects object myCoEvolutionEff2 of RSiena's introductory script
Rscript04SienaBehaviour.R; overall maximum convergence ratio 0.1123): output file
docs/s50CoEv_3.txt of github.com/JochemTolsma/RSiena-scripts (run of 27/09/2022)."""
RSIENA_S50_TARGETS = {
    "network rate (period 1)": 115.0,
    "network rate (period 2)": 106.0,
    "outdegree (density)": 238.0,
    "reciprocity": 160.0,
    "transitive triplets": 225.0,
    "3-cycles": 3 * 72.0,
    "smoke1 similarity": 23.0371,
    "drinkingbeh alter": -16.9733,
    "drinkingbeh ego": -8.9733,
    "drinkingbeh similarity": 21.9957,
    "drinkingbeh rate (period 1)": 27.0,
    "drinkingbeh rate (period 2)": 33.0,
    "drinkingbeh linear shape": 11.6667,
    "drinkingbeh quadratic shape": 121.0711,
    "drinkingbeh average alter": 53.9086,
    "drinkingbeh: effect from smoke1": 28.2600,
}
"""Observed target statistics in the same file (RSiena prints the 3-cycles count divided by 3, which
does not change the estimates; 'drinkingbeh x smoke1' is from its myCoEvolutionEff3 run)."""
RSIENA_S50_COEVOLUTION_EFFECTS = [
    "outdegree",
    "reciprocity",
    "transitive_triplets",
    "three_cycles",
    "similarity:smoke1",
    "alter:drinkingbeh",
    "ego:drinkingbeh",
    "similarity:drinkingbeh",
]
RSIENA_S50_COEVOLUTION_BEHAVIOUR_EFFECTS = ["linear", "quadratic", "average_alter"]
