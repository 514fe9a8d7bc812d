"""The static registry: the demo's plugins, linked into the package."""

import threading
import time

import pytest

import module_registry_demo as mr

DEMO = {"cache", "metrics", "storage", "trim", "uppercase", "utf8-guard"}


def test_registry_lists_the_demo_modules():
    registry = mr.Registry()
    assert {m.name for m in registry.modules()} == DEMO
    assert len(registry) == 6
    assert "storage" in registry


def test_find_returns_the_module_with_its_fields():
    storage = mr.Registry().find("storage")
    assert (storage.name, storage.version, storage.kind) == ("storage", "1.4.0", "Storage")
    assert storage.capabilities == ["storage", "persistence"]
    assert "SQLite" in storage.description


def test_find_reports_dependencies():
    cache = mr.Registry().find("cache")
    deps = {d.name: (d.version_req, d.optional) for d in cache.dependencies}
    assert deps == {"storage": ("^1.2", False), "metrics": (None, True)}
    assert cache.requires == ["persistence"]


def test_find_returns_none_for_an_unknown_name():
    assert mr.Registry().find("nope") is None


def test_with_capability_lists_the_providers():
    names = [m.name for m in mr.Registry().with_capability("processing")]
    assert sorted(names) == ["trim", "uppercase", "utf8-guard"]
    assert mr.Registry().with_capability("teleportation") == []


def test_validate_passes_for_the_demo():
    mr.Registry().validate()


def test_init_order_puts_dependencies_first():
    order = [m.name for m in mr.Registry().init_order()]
    assert order.index("storage") < order.index("cache")
    assert order.index("metrics") < order.index("trim")


def test_pipeline_pipes_bytes_through_every_processor():
    with mr.Registry().boot() as runtime:
        assert runtime.processors() == ["trim", "uppercase", "utf8-guard"]
        assert runtime.pipeline(b"  make me loud ") == b"MAKE ME LOUD"


def test_process_calls_one_processor():
    with mr.Registry().boot() as runtime:
        assert runtime.process("uppercase", b"abc") == b"ABC"
        assert len(runtime) == 6


def test_unknown_processor_raises_not_found():
    with mr.Registry().boot() as runtime:
        with pytest.raises(mr.NotFoundError) as caught:
            runtime.process("storage", b"x")
    assert caught.value.code == "not_found"
    assert "dyn Processor" in str(caught.value)


def test_failing_processor_raises_module_failed():
    with mr.Registry().boot() as runtime:
        with pytest.raises(mr.ModuleFailedError) as caught:
            runtime.process("utf8-guard", b"\xff\xfe")
    assert caught.value.code == "module_failed"
    assert "not UTF-8" in str(caught.value)
    assert isinstance(caught.value, mr.ModuleRegistryError)


def test_boot_failure_raises_boot_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HOST_DB", str(tmp_path / "missing-dir" / "db.sqlite3"))
    with pytest.raises(mr.BootError) as caught:
        mr.Registry().boot()
    assert caught.value.code == "boot_failed"
    assert "storage" in str(caught.value)


def test_degrade_skips_the_failed_module_and_its_dependents(monkeypatch, tmp_path):
    monkeypatch.setenv("HOST_DB", str(tmp_path / "missing-dir" / "db.sqlite3"))
    with mr.Registry().boot(degrade=True) as runtime:
        names = {m.name for m in runtime.modules()}
        assert names == DEMO - {"storage", "cache"}
        assert runtime.pipeline(b" ok ") == b"OK"


def test_shutdown_twice_is_harmless_and_the_runtime_then_refuses_work():
    runtime = mr.Registry().boot()
    assert runtime.is_running
    runtime.shutdown()
    runtime.shutdown()
    assert not runtime.is_running
    with pytest.raises(RuntimeError):
        runtime.process("trim", b"x")


def test_processing_releases_the_gil():
    data = b"x" * (64 << 20)
    window = {}
    with mr.Registry().boot() as runtime:

        def work():
            window["start"] = time.monotonic()
            runtime.process("uppercase", data)
            window["end"] = time.monotonic()

        worker = threading.Thread(target=work)
        ticks = []
        worker.start()
        while worker.is_alive():
            ticks.append(time.monotonic())
        worker.join()
    inside = [t for t in ticks if window["start"] < t < window["end"]]
    # With the GIL held for the whole call, this thread could not run while Rust worked.
    assert len(inside) > 100, (len(inside), window["end"] - window["start"])


def test_type_stubs_ship_with_the_package():
    from importlib import resources

    files = resources.files("module_registry_demo")
    assert files.joinpath("__init__.pyi").is_file()
    assert files.joinpath("py.typed").is_file()
