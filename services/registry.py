"""The module registry: every reviewed record type declares itself once, as a `Flow`.

Navigation, 业务工作台, 审核记录, exports, notifications and 驳回率 read the registry; nothing
else lists modules. A module's file registers its flow when imported; `MODULES` names those
files so that the registry is complete whoever asks first.
"""
import importlib

from services.review import Flow

MODULES = ("services.pilots", "services.progress", "services.brand", "services.digital")

_flows: dict[str, Flow] = {}
_loaded = False


def register(flow: Flow) -> Flow:
    """Add a module's flow (once per module key); returns it for `X_FLOW = register(...)`."""
    existing = _flows.get(flow.module)
    if existing is not None and existing is not flow:
        raise ValueError(f"module {flow.module!r} is already registered")
    _flows[flow.module] = flow
    return flow


def unregister(module: str) -> None:
    """Remove a module (tests register throwaway flows)."""
    _flows.pop(module, None)


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in MODULES:
            importlib.import_module(name)
        _loaded = True


def flows() -> list[Flow]:
    """Every registered flow, in registration order."""
    _load()
    return list(_flows.values())


def get(module: str) -> Flow | None:
    _load()
    return _flows.get(module)
