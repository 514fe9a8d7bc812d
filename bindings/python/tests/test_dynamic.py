"""The dynamic registry, and modules written in Python."""

import pytest

import module_registry_demo as mr


class Reverse:
    def process(self, data: bytes) -> bytes:
        return data[::-1]


class Hooks:
    events = []

    def initialize(self):
        Hooks.events.append("initialize")

    def cleanup(self):
        Hooks.events.append("cleanup")

    def process(self, data):
        return data


def register_reverse(registry, name="py-reverse", **extra):
    return registry.register(
        name, "1.0.0", kind="DataProcessor", capabilities=["reversing", "processing"],
        module=Reverse, **extra,
    )


def test_python_class_registers_and_is_discovered():
    registry = mr.ModuleRegistry()
    info = register_reverse(registry)
    assert (info.name, info.version, info.kind) == ("py-reverse", "1.0.0", "DataProcessor")
    found = registry.discover(mr.DiscoveryQuery(name_pattern="reverse"))
    assert [m.name for m in found] == ["py-reverse"]
    assert "py-reverse" in registry and registry.get("py-reverse").capabilities == ["reversing", "processing"]


def test_python_module_is_called_from_rust_through_create():
    registry = mr.ModuleRegistry()
    register_reverse(registry)
    with registry.create("py-reverse") as instance:
        assert instance.name == "py-reverse"
        assert instance.process(b"hello") == b"olleh"


def test_python_module_calls_a_linked_rust_module_it_depends_on():
    class Shout:
        def __init__(self, deps):
            self.upper = deps["uppercase"]

        def process(self, data):
            return self.upper.process(data) + b"!"

    registry = mr.ModuleRegistry()
    registry.register("shout", "0.1.0", dependencies=[mr.Dependency("uppercase", "^2")], factory=Shout)
    with registry.create("shout") as instance:
        assert instance.modules() == ["uppercase", "shout"]
        assert instance.process(b"hey") == b"HEY!"


def test_python_modules_depend_on_each_other():
    class Twice:
        def __init__(self, deps):
            self.reverse = deps["py-reverse"]

        def process(self, data):
            return self.reverse.process(data) * 2

    registry = mr.ModuleRegistry(linked=False)
    register_reverse(registry)
    registry.register("twice", "1.0.0", dependencies=["py-reverse"], factory=Twice)
    with registry.create("twice") as instance:
        assert instance.process(b"ab") == b"baba"


def test_duplicate_name_is_refused_with_its_code_and_nothing_changes():
    registry = mr.ModuleRegistry()
    before = len(registry)
    with pytest.raises(mr.ValidationError) as caught:
        registry.register("storage", "9.9.9", module=Reverse)
    error = caught.value
    assert (error.code, error.status) == ("MR0004", "refused")
    assert error.findings[0][0] == "MR0004"
    assert 'duplicate module name "storage"' in error.findings[0][1]
    assert len(registry) == before


def test_missing_dependency_is_refused_with_mr0002():
    with pytest.raises(mr.ValidationError) as caught:
        mr.ModuleRegistry().register("lonely", "1.0.0", dependencies=["ghost"])
    assert caught.value.code == "MR0002"


def test_unsatisfied_version_is_refused_with_mr0003():
    with pytest.raises(mr.ValidationError) as caught:
        mr.ModuleRegistry().register("old", "1.0.0", dependencies=[mr.Dependency("storage", "^2")])
    assert caught.value.code == "MR0003"


def test_every_problem_is_reported_at_once():
    with pytest.raises(mr.ValidationError) as caught:
        mr.ModuleRegistry().register("Bad Name", "1.x")
    codes = sorted(code for code, _ in caught.value.findings)
    assert codes == ["MR0007", "MR0008"]


def test_discover_filters_by_kind():
    registry = mr.ModuleRegistry()
    register_reverse(registry)
    found = registry.discover(mr.DiscoveryQuery(kind="DataProcessor"))
    assert [m.name for m in found] == ["py-reverse", "trim", "uppercase", "utf8-guard"]
    assert len(registry.discover()) == 7


def test_discover_capabilities_ranks_by_optional_matches():
    registry = mr.ModuleRegistry()
    register_reverse(registry)
    found = registry.discover_capabilities(mr.CapabilityQuery(required=["processing"], optional=["reversing"]))
    assert [m.name for m in found] == ["py-reverse", "trim", "uppercase", "utf8-guard"]
    assert registry.discover_capabilities(mr.CapabilityQuery(required=["flying"])) == []


def test_python_exception_in_process_raises_module_failed():
    class Broken:
        def process(self, data):
            raise ValueError("no thanks")

    registry = mr.ModuleRegistry(linked=False)
    registry.register("broken", "1.0.0", module=Broken)
    with registry.create("broken") as instance:
        with pytest.raises(mr.ModuleFailedError) as caught:
            instance.process(b"x")
    assert "ValueError: no thanks" in str(caught.value)


def test_process_must_return_bytes():
    class Wrong:
        def process(self, data):
            return "text"

    registry = mr.ModuleRegistry(linked=False)
    registry.register("wrong", "1.0.0", module=Wrong)
    with registry.create("wrong") as instance:
        with pytest.raises(mr.ModuleFailedError, match="not bytes"):
            instance.process(b"x")


def test_initialize_and_cleanup_hooks_run_in_order():
    Hooks.events.clear()
    registry = mr.ModuleRegistry(linked=False)
    registry.register("hooks", "1.0.0", module=Hooks)
    instance = registry.create("hooks")
    assert Hooks.events == ["initialize"]
    instance.shutdown()
    assert Hooks.events == ["initialize", "cleanup"]


def test_a_failing_factory_raises_boot_error():
    def explode():
        raise RuntimeError("cannot build")

    registry = mr.ModuleRegistry(linked=False)
    registry.register("explodes", "1.0.0", module=explode)
    with pytest.raises(mr.BootError, match="cannot build") as caught:
        registry.create("explodes")
    assert caught.value.code == "boot_failed"


def test_create_of_an_unknown_module_raises_not_found():
    with pytest.raises(mr.NotFoundError) as caught:
        mr.ModuleRegistry().create("nowhere")
    assert caught.value.code == "not_found"


def test_a_linked_processor_is_created_through_the_dynamic_registry():
    with mr.ModuleRegistry().create("trim") as instance:
        assert instance.process(b"  x  ") == b"x"


def test_module_and_factory_together_are_a_type_error():
    with pytest.raises(TypeError):
        mr.ModuleRegistry().register("both", "1.0.0", module=Reverse, factory=lambda deps: Reverse())


def test_validate_passes_after_registrations():
    registry = mr.ModuleRegistry()
    register_reverse(registry)
    registry.validate()
