import numpy as np
import pytest

from sop_planning.engine import classify
from sop_planning.engine.cleaning import cap_outliers, impute_censored


def test_abc_on_a_pareto_example():
    values = [2, 50, 10, 3, 30, 5, 0]
    assert classify.abc(values).tolist() == ["C", "A", "B", "C", "A", "B", "C"]
    assert classify.abc(values, thresholds=(0.5, 0.9)).tolist() == [
        "C",
        "A",
        "B",
        "C",
        "B",
        "C",
        "C",
    ]


def test_abc_single_dominant_item_is_a():
    assert classify.abc([95, 5]).tolist() == ["A", "C"]


@pytest.mark.parametrize(
    ("adi", "cv2", "pattern"),
    [
        (1.31, 0.48, "smooth"),
        (1.31, 0.49, "erratic"),
        (1.32, 0.48, "intermittent"),
        (1.32, 0.49, "lumpy"),
        (np.inf, np.nan, "no demand"),
    ],
)
def test_sbc_boundaries(adi, cv2, pattern):
    assert classify.sbc_pattern([adi], [cv2]).tolist() == [pattern]


def test_xyz_thresholds():
    assert classify.xyz([0.5, 0.51, 1.0, 1.2, np.nan]).tolist() == [
        "X",
        "Y",
        "Y",
        "Z",
        "Z",
    ]


def test_demand_statistics_known_answer():
    qty = np.array([[np.nan, 2.0, 0.0, 0.0, 4.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    adi, cv2, cv = classify.demand_statistics(qty)
    np.testing.assert_allclose(adi, [2.0, 1.0])
    np.testing.assert_allclose(cv2, [1.0 / 9.0, 0.0])
    np.testing.assert_allclose(cv, [np.sqrt(2.75) / 1.5, 0.0])


def test_outlier_capping_spares_zeros_and_caps_spikes():
    qty = np.array([[np.nan, 10.0, 0.0, 12.0, 0.0, 11.0, 500.0, 0.0, 9.0]])
    capped = cap_outliers(qty, 3.0)
    assert capped[0, 6] == pytest.approx(11.0 + 3.0 * 1.4826 * 1.0)
    np.testing.assert_array_equal(capped[0, [2, 4, 7]], 0.0)
    np.testing.assert_array_equal(capped[0, [1, 3, 5, 8]], qty[0, [1, 3, 5, 8]])
    assert np.isnan(capped[0, 0])
    assert cap_outliers(qty, None) is qty


def test_censored_cells_get_the_item_mean_not_zero():
    qty = np.array([[np.nan, 4.0, np.nan, 0.0, 8.0]])
    censored = np.array([[False, False, True, False, False]])
    imputed = impute_censored(qty, censored)
    assert imputed[0, 2] == pytest.approx(4.0)
    assert np.isnan(imputed[0, 0])
