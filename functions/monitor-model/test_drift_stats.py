"""The drift statistics on known inputs, and how often the drift rule cries wolf on unshifted data."""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from drift_stats import Thresholds, categorical_psi, drift_report, ks_pvalue, psi, psi_of_shares, quantile_edges, shares  # noqa: E402


def test_psi_of_known_shares_matches_the_formula():
    expected = np.array([0.5, 0.5])
    actual = np.array([0.9, 0.1])
    by_hand = (0.9 - 0.5) * math.log(0.9 / 0.5) + (0.1 - 0.5) * math.log(0.1 / 0.5)
    assert psi_of_shares(expected, actual) == pytest.approx(by_hand)
    assert psi_of_shares(expected, expected) == 0.0


def test_quantile_bins_split_the_reference_evenly_and_an_empty_bin_stays_finite():
    reference = np.arange(1000, dtype=np.float64)
    edges = quantile_edges(reference)
    assert len(edges) == 9
    assert shares(reference, edges) == pytest.approx([0.1] * 10, abs=0.002)
    # every live value in the top bin: nine bins empty, smoothed rather than infinite
    value = psi(reference, np.full(100, 2000.0))
    assert math.isfinite(value) and value > 5


def test_psi_of_the_same_sample_is_zero_and_of_a_shifted_one_is_large():
    rng = np.random.default_rng(1)
    reference = rng.normal(0, 1, 5000)
    assert psi(reference, reference) == pytest.approx(0.0, abs=1e-12)
    assert psi(reference, rng.normal(0, 1, 5000)) < 0.02
    assert psi(reference, rng.normal(1.0, 1, 5000)) > 0.5


def test_a_feature_with_few_values_gets_fewer_bins():
    reference = np.array([0.0] * 700 + [1.0] * 300)
    assert len(quantile_edges(reference)) <= 2
    assert psi(reference, np.array([0.0] * 70 + [1.0] * 30)) == pytest.approx(0.0, abs=1e-9)
    assert psi(reference, np.array([0.0] * 20 + [1.0] * 80)) > 0.2


def test_ks_pvalue_is_large_for_one_distribution_and_tiny_for_a_shift():
    rng = np.random.default_rng(2)
    reference = rng.normal(0, 1, 2000)
    assert ks_pvalue(reference, rng.normal(0, 1, 300)) > 0.01
    assert ks_pvalue(reference, rng.normal(0.8, 1, 300)) < 1e-6


def test_categorical_psi_counts_categories_missing_on_one_side():
    assert categorical_psi({"a": 50, "b": 50}, {"a": 50, "b": 50}) == 0.0
    assert categorical_psi({"a": 50, "b": 50}, {"a": 95, "b": 5}) > 0.5
    assert categorical_psi({"a": 100}, {"a": 50, "b": 50}) > 1.0


def test_a_feature_drifts_only_when_psi_and_ks_agree():
    rng = np.random.default_rng(3)
    reference = rng.normal(0, 1, (3000, 2))
    live = np.column_stack([rng.normal(0, 1, 200), rng.normal(1.5, 1, 200)])
    report = drift_report(["steady", "shifted"], reference, live, Thresholds())
    assert [f["drifted"] for f in report] == [False, True]
    assert report[1]["psi"] > 0.2 and report[1]["ksPValue"] < 0.01
    assert not drift_report(["x", "y"], reference, live, Thresholds(psi=100.0))[1]["drifted"], "PSI alone decides nothing"


def false_alarm_rate(trials: int, rows: int, features: int, thresholds: Thresholds, seed: int = 7) -> float:
    """The share of windows of ``rows`` unshifted rows in which some feature is reported as drifted."""
    rng = np.random.default_rng(seed)
    # 30 features of mixed shapes, like breast_cancer's: normal, skewed (lognormal), discrete (Poisson)
    def sample(n: int) -> np.ndarray:
        columns = []
        for i in range(features):
            kind = i % 3
            columns.append(rng.normal(i, 1 + i % 5, n) if kind == 0 else rng.lognormal(0, 0.5 + (i % 4) / 4, n) if kind == 1 else rng.poisson(3 + i % 7, n).astype(np.float64))
        return np.column_stack(columns)

    reference = sample(569)  # breast_cancer's size
    names = [f"f{i}" for i in range(features)]
    alarms = sum(any(f["drifted"] for f in drift_report(names, reference, sample(rows), thresholds)) for _ in range(trials))
    return alarms / trials


@pytest.mark.parametrize("rows,trials", [(100, 200), (1000, 100)])
def test_false_alarm_rate_on_unshifted_windows_stays_low(rows, trials, capsys):
    # With the defaults (PSI 0.2, KS p 0.01 for the model), 30 features; the README gives the figures of a longer
    # measurement (1000 windows). Without the Bonferroni share of the KS level it was 0.20 at 100 rows.
    rate = false_alarm_rate(trials=trials, rows=rows, features=30, thresholds=Thresholds())
    with capsys.disabled():
        print(f"\nfalse-alarm rate, {rows} unshifted rows x 30 features, {trials} windows: {rate:.4f}")
    assert rate <= 0.03


def test_the_same_rule_detects_a_real_shift_almost_always():
    rng = np.random.default_rng(11)
    reference = rng.normal(0, 1, (569, 30))
    names = [f"f{i}" for i in range(30)]
    detected = 0
    for _ in range(100):
        live = rng.normal(0, 1, (100, 30))
        live[:, 4] += 1.0  # one feature moved by one standard deviation
        detected += any(f["drifted"] for f in drift_report(names, reference, live, Thresholds()))
    assert detected >= 95
