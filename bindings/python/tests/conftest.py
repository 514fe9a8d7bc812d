import pytest


@pytest.fixture(autouse=True)
def demo_database(tmp_path, monkeypatch):
    """The storage plugin opens `$HOST_DB`: a fresh SQLite file per test."""
    path = tmp_path / "demo.sqlite3"
    monkeypatch.setenv("HOST_DB", str(path))
    return path
