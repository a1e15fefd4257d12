"""Fixtures of the page tests: the cases app's small world (units, one user per
role, grids A1, A2, B1), reused rather than built a second time, and a tiny PNG."""

import io

import pytest
from PIL import Image

from gongzhi.cases.tests.conftest import (  # noqa: F401 - fixtures
    POINT_A1,
    POINT_B1,
    case_in,
    fast_passwords,
    new_case,
    noise,
    world,
)


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def signed_in(client):
    """``signed_in(user)``: the test client, signed in as ``user``, in English unless told otherwise."""

    def sign_in(user, language="en"):
        client.force_login(user)
        client.cookies["django_language"] = language
        return client

    return sign_in


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
