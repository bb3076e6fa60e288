"""The server hands what it built at start-up to ``gc.freeze()``; an app inside a larger process does not."""

from __future__ import annotations

import gc

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from service import cli
from service.app import create_app


@pytest.fixture(autouse=True)
def _unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test process keeps its usual collector


def test_a_served_app_freezes_the_objects_of_its_start(service_settings, clock):
    with TestClient(create_app(service_settings, clock=clock, freeze_after_start=True)) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() > 0


def test_an_app_built_by_another_program_leaves_the_collector_alone(service_settings, clock):
    with TestClient(create_app(service_settings, clock=clock)) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() == 0


def test_serve_builds_the_app_that_freezes(tmp_path, monkeypatch):
    import uvicorn

    import service.app

    built = []
    real = service.app.create_app

    def recording(*args, **kwargs):
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(service.app, "create_app", recording)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    result = CliRunner().invoke(cli.main, ["--database", str(tmp_path / "s.db"), "serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert built == [{"freeze_after_start": True}]
