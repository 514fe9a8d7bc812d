"""The module-registry demo's plugins (SQLite storage, cache, byte pipeline, metrics).

`Registry()` is every module linked into this package; `Registry().boot()` starts them.
Booting, creating and processing release the GIL.
"""

from types import TracebackType
from typing import Callable, Optional, Protocol, Sequence, Union

class ModuleRegistryError(Exception):
    """A failure of the registry."""

    code: str
    """The stable code of the first finding of a graph error (`MR0001`...), else `status`."""
    status: str
    """`invalid_graph`, `refused`, `not_found`, `boot_failed`, `module_failed` or `shutdown_failed`."""
    findings: list[tuple[str, str]]
    """`(code, message)` for every problem of a graph error; empty otherwise."""

class ValidationError(ModuleRegistryError):
    """The module graph is invalid, or a registration was refused (the registry is unchanged)."""

class NotFoundError(ModuleRegistryError):
    """No module, or no processor, of that name."""

class BootError(ModuleRegistryError):
    """A module failed while booting or being created; what was started was cleaned up."""

class ModuleFailedError(ModuleRegistryError):
    """A module's `process` failed."""

class ShutdownError(ModuleRegistryError):
    """Some cleanups failed during shutdown; every module was still shut down."""

class Dependency:
    """One dependency; also what `ModuleRegistry.register(dependencies=...)` takes."""

    name: str
    version_req: Optional[str]
    optional: bool
    def __init__(self, name: str, version_req: Optional[str] = None, optional: bool = False) -> None: ...

class Module:
    """A module, linked into the package or registered at run time."""

    name: str
    version: str
    kind: str
    description: str
    capabilities: list[str]
    requires: list[str]
    dependencies: list[Dependency]

class Runtime:
    """The booted modules; shut it down with `shutdown()` or use it as a context manager."""

    is_running: bool
    def modules(self) -> list[Module]: ...
    def processors(self) -> list[str]: ...
    def process(self, name: str, data: bytes) -> bytes: ...
    def pipeline(self, data: bytes) -> bytes: ...
    def shutdown(self) -> None: ...
    def __len__(self) -> int: ...
    def __enter__(self) -> "Runtime": ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...

class Registry:
    """Every module linked into the package."""

    def __init__(self) -> None: ...
    def modules(self) -> list[Module]: ...
    def find(self, name: str) -> Optional[Module]: ...
    def with_capability(self, capability: str) -> list[Module]: ...
    def validate(self) -> None: ...
    def init_order(self) -> list[Module]: ...
    def boot(self, *, degrade: bool = False) -> Runtime: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str) -> bool: ...

class DiscoveryQuery:
    name_pattern: Optional[str]
    kind: Optional[str]
    def __init__(self, name_pattern: Optional[str] = None, kind: Optional[str] = None) -> None: ...

class CapabilityQuery:
    required: list[str]
    optional: list[str]
    def __init__(self, required: Sequence[str] = ..., optional: Sequence[str] = ...) -> None: ...

class ModuleHandle:
    """A dependency handed to a factory: `process` runs without the GIL."""

    name: str
    version: str
    def process(self, data: bytes) -> bytes: ...

class ModuleInstance:
    """A module built by `ModuleRegistry.create`, with its dependencies."""

    name: str
    def modules(self) -> list[str]: ...
    def process(self, data: bytes) -> bytes: ...
    def shutdown(self) -> None: ...
    def __enter__(self) -> "ModuleInstance": ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...

class PythonModule(Protocol):
    """What a module written in Python implements; `initialize` and `cleanup` are optional."""

    def process(self, data: bytes) -> bytes: ...

class ModuleRegistry:
    """The dynamic registry: linked modules (unless `linked=False`) plus run-time ones."""

    def __init__(self, *, linked: bool = True) -> None: ...
    def register(
        self,
        name: str,
        version: str,
        *,
        kind: str = "Service",
        capabilities: Sequence[str] = ...,
        requires: Sequence[str] = ...,
        dependencies: Sequence[Union[str, Dependency]] = ...,
        module: Optional[Callable[[], PythonModule]] = None,
        factory: Optional[Callable[[dict[str, ModuleHandle]], PythonModule]] = None,
    ) -> Module: ...
    def discover(self, query: Optional[DiscoveryQuery] = None) -> list[Module]: ...
    def discover_capabilities(self, query: CapabilityQuery) -> list[Module]: ...
    def create(self, name: str) -> ModuleInstance: ...
    def validate(self) -> None: ...
    def modules(self) -> list[Module]: ...
    def get(self, name: str) -> Optional[Module]: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str) -> bool: ...
