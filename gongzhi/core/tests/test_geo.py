"""Coordinate conversion against published points and by its laws."""

import math

import pytest
from hypothesis import given, settings
from django.utils import translation
from hypothesis import strategies as st

from gongzhi.core import geo


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# Tiananmen test point (116.404, 39.915) with the values printed in the README
# of wandergis/coordtransform (https://github.com/wandergis/coordtransform,
# "示例用法"), the JavaScript library most Chinese web maps copy. Each function
# is applied to the same input point.
TIANANMEN = (116.404, 39.915)
PUBLISHED_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
PUBLISHED_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
PUBLISHED_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)  # one-step inverse
PUBLISHED_GCJ02_TO_WGS84 = (116.39775550083061, 39.91359571849836)  # one-step inverse
# Same point, from the README of the geocraft package (PyPI, geocraft.cn.coordinate_converter).
PUBLISHED_WGS84_TO_BD09 = (116.41662724378733, 39.922699552216216)
PUBLISHED_BD09_TO_WGS84 = (116.3913836995125, 39.907253214522164)  # one-step inverses

# WGS-84 / GCJ-02 pairs from googollee/eviltransform, python/test.py (TESTS).
EVILTRANSFORM_PAIRS = [
    # (wgs lon, wgs lat), (gcj lon, gcj lat)
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


def metres(a, b):
    """Distance between two lon/lat points, good enough below a kilometre."""
    dx = (a[0] - b[0]) * math.cos(math.radians((a[1] + b[1]) / 2)) * 111_320
    dy = (a[1] - b[1]) * 110_574
    return math.hypot(dx, dy)


def test_forward_transforms_match_published_values_exactly():
    assert geo.wgs84_to_gcj02(*TIANANMEN) == pytest.approx(PUBLISHED_WGS84_TO_GCJ02, abs=1e-12)
    assert geo.gcj02_to_bd09(*TIANANMEN) == pytest.approx(PUBLISHED_GCJ02_TO_BD09, abs=1e-12)
    assert geo.wgs84_to_bd09(*TIANANMEN) == pytest.approx(PUBLISHED_WGS84_TO_BD09, abs=1e-12)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_published_wgs84_gcj02_pairs(wgs, gcj):
    assert metres(geo.wgs84_to_gcj02(*wgs), gcj) < 0.01
    assert metres(geo.gcj02_to_wgs84(*gcj), wgs) < 0.01


def test_inverse_recovers_the_published_source_point():
    assert metres(geo.gcj02_to_wgs84(*PUBLISHED_WGS84_TO_GCJ02), TIANANMEN) < 0.001
    assert metres(geo.bd09_to_gcj02(*PUBLISHED_GCJ02_TO_BD09), TIANANMEN) < 0.001
    assert metres(geo.bd09_to_wgs84(*PUBLISHED_WGS84_TO_BD09), TIANANMEN) < 0.001


def test_inverses_agree_with_published_one_step_values_within_their_error():
    # The published inverses are the one-step approximation (metre-level error);
    # ours must be near them, and strictly better at reproducing the input.
    ours = geo.gcj02_to_wgs84(*TIANANMEN)
    assert metres(ours, PUBLISHED_GCJ02_TO_WGS84) < 1.0
    assert metres(geo.wgs84_to_gcj02(*ours), TIANANMEN) < 0.001
    assert metres(geo.wgs84_to_gcj02(*PUBLISHED_GCJ02_TO_WGS84), TIANANMEN) > 0.01

    assert metres(geo.bd09_to_gcj02(*TIANANMEN), PUBLISHED_BD09_TO_GCJ02) < 1.0
    assert metres(geo.bd09_to_wgs84(*TIANANMEN), PUBLISHED_BD09_TO_WGS84) < 5.0


def test_gcj02_offset_is_hundreds_of_metres_in_beijing():
    shift = metres(geo.wgs84_to_gcj02(*TIANANMEN), TIANANMEN)
    assert 100 < shift < 1000


# Keep a margin inside the China box: the GCJ offset (< 0.01°) must not carry a
# point across the box edge, where the transform is discontinuous by design.
china_lon = st.floats(min_value=73.7, max_value=135.0)
china_lat = st.floats(min_value=3.9, max_value=53.5)


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_wgs84_gcj02_round_trip(lon, lat):
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lon, lat))
    assert metres(back, (lon, lat)) < 0.01


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_wgs84_round_trip(lon, lat):
    again = geo.wgs84_to_gcj02(*geo.gcj02_to_wgs84(lon, lat))
    assert metres(again, (lon, lat)) < 0.01


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_wgs84_bd09_round_trip(lon, lat):
    back = geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lon, lat))
    assert metres(back, (lon, lat)) < 0.01
    assert geo.to_wgs84(*geo.wgs84_to_bd09(lon, lat), crs="bd09") == pytest.approx(back)


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_bd09_round_trip(lon, lat):
    back = geo.bd09_to_gcj02(*geo.gcj02_to_bd09(lon, lat))
    assert metres(back, (lon, lat)) < 0.01


@pytest.mark.parametrize("point", [
    (-0.1276, 51.5072),   # London
    (-74.006, 40.7128),   # New York
    (139.6917, 35.6895),  # Tokyo, east of the box
    (151.2093, -33.8688),  # Sydney
    (37.6173, 55.7558),   # Moscow, north of the box
])
def test_outside_china_gcj02_is_identity(point):
    assert geo.wgs84_to_gcj02(*point) == point
    assert geo.gcj02_to_wgs84(*point) == point
    assert geo.to_wgs84(*point, crs="gcj02") == point


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-180, max_value=180), st.floats(min_value=-90, max_value=90))
def test_identity_wherever_out_of_china(lon, lat):
    if geo.out_of_china(lon, lat):
        assert geo.wgs84_to_gcj02(lon, lat) == (lon, lat)
        assert geo.gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_to_wgs84_dispatches_on_crs():
    gcj = PUBLISHED_WGS84_TO_GCJ02
    assert metres(geo.to_wgs84(*gcj, crs="gcj02"), TIANANMEN) < 0.001
    assert metres(geo.to_wgs84(*gcj, crs="GCJ-02"), TIANANMEN) < 0.001
    assert metres(geo.to_wgs84(*PUBLISHED_WGS84_TO_BD09, crs="bd09"), TIANANMEN) < 0.001
    assert geo.to_wgs84(*TIANANMEN, crs="wgs84") == TIANANMEN
    assert geo.to_wgs84(*TIANANMEN, crs="cgcs2000") == TIANANMEN
    assert geo.to_wgs84("116.404", "39.915") == TIANANMEN


def test_unknown_crs_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Unknown coordinate system 'mercator'.*wgs84, cgcs2000, gcj02, bd09"):
        geo.to_wgs84(116.4, 39.9, crs="mercator")


@pytest.mark.parametrize(("lon", "lat", "message"), [
    (181, 39.9, "Longitude"),
    (116.4, -91, "Latitude"),
    (float("nan"), 39.9, "Longitude"),
    ("east", 39.9, "numbers"),
])
def test_out_of_range_coordinates_are_refused(lon, lat, message):
    with pytest.raises(ValueError, match=message):
        geo.to_wgs84(lon, lat)
