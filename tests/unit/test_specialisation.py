"""Unit tests for levelup.models.specialisation: small cases worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from levelup.errors import ModelInputError
from levelup.models import specialisation as sp

REGION = pd.Series({"A": 10.0, "C": 30.0, "G": 60.0})
UK = pd.Series({"A": 5.0, "C": 15.0, "G": 180.0})  # shares .025, .075, .9


def test_location_quotient_by_hand():
    r = sp.location_quotient(REGION, UK)
    # region shares .1, .3, .6 -> LQ 4, 4, 2/3
    assert r.lq.to_dict() == pytest.approx({"A": 4.0, "C": 4.0, "G": 0.6 / 0.9})
    assert r.specialised.to_dict() == {"A": True, "C": True, "G": False}
    at = sp.location_quotient(pd.Series({"A": 1.25, "G": 98.75}), pd.Series({"A": 1.0, "G": 99.0}))
    assert at.lq["A"] == pytest.approx(1.25) and not at.specialised["A"]  # strictly above 1.25
    assert sp.location_quotient(REGION, UK, threshold=5).specialised.sum() == 0
    assert r.plot() is not None and "1.25" in r.summary()


def test_krugman_and_herfindahl_by_hand():
    assert float(sp.krugman(REGION, UK)) == pytest.approx(0.075 + 0.225 + 0.3)
    assert float(sp.krugman(UK * 3, UK)) == pytest.approx(0.0)
    h = sp.herfindahl(REGION)
    assert float(h) == pytest.approx(0.01 + 0.09 + 0.36)
    assert h.normalised == pytest.approx((0.46 - 1 / 3) / (2 / 3))
    assert sp.herfindahl(pd.Series({"A": 7.0})).value == 1.0


def test_manufacturing_share_change():
    r = sp.manufacturing_share_change(REGION, pd.Series({"A": 10.0, "C": 20.0, "G": 70.0}))
    assert (r.share_t0, r.share_t1, r.change) == pytest.approx((30.0, 20.0, -10.0))
    r2 = sp.manufacturing_share_change(REGION, REGION, manufacturing=["A", "C"])
    assert r2.share_t0 == pytest.approx(40.0) and r2.change == pytest.approx(0.0)


def test_bad_input_names_industries():
    with pytest.raises(ModelInputError, match="only in region: X"):
        sp.location_quotient(pd.concat([REGION, pd.Series({"X": 1.0})]), UK)
    with pytest.raises(ModelInputError, match="negative for industries: \\['C'\\]"):
        sp.krugman(REGION.replace(30.0, -1.0), UK)
    with pytest.raises(ModelInputError, match="benchmark is zero for industries: \\['A'\\]"):
        sp.location_quotient(REGION, UK.replace(5.0, 0.0))
    with pytest.raises(ModelInputError, match="missing values"):
        sp.herfindahl(REGION.replace(10.0, float("nan")))
    with pytest.raises(ModelInputError, match="not in the data: \\['Z'\\]"):
        sp.manufacturing_share_change(REGION, REGION, manufacturing="Z")
