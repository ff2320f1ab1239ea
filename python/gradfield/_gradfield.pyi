"""Type stubs of the native module (src/lib.rs); the documented API is in __init__.py."""

from typing import Any, Optional, Tuple

import numpy as np

__version__: str

class ExpressionError(ValueError): ...
class DeviceError(RuntimeError): ...

class NativeField:
    def take_arrays(self) -> dict[str, np.ndarray]: ...
    def meta_json(self) -> str: ...
    def refuse_unused(self, given: list[str]) -> None: ...
    def figure(self, format: str, **options: Any) -> bytes: ...

class NativeSweep:
    def json(self) -> str: ...
    def figure(self, format: str, **options: Any) -> bytes: ...

def field(
    expr: str,
    x: Optional[Tuple[float, float]] = ...,
    nx: Optional[int] = ...,
    y: Optional[Tuple[float, float]] = ...,
    ny: Optional[int] = ...,
    h: float = ...,
    scheme: str = ...,
    precision: str = ...,
    math: str = ...,
    fields: str = ...,
    rewrite: bool = ...,
    device: str = ...,
    backend: Optional[str] = ...,
    adapter: Optional[str] = ...,
    check: str = ...,
    tile_points: Optional[int] = ...,
    window: Optional[Tuple[int, int, int, int]] = ...,
    figure_samples: int = ...,
) -> NativeField: ...
def sweep(expr: str, **kwargs: Any) -> NativeSweep: ...
def derivative(expr: str, var: str = ...) -> str: ...
def adapters(backend: Optional[str] = ..., adapter: Optional[str] = ...) -> str: ...
def functions() -> str: ...
def axis_coords(a: float, b: float, n: int, precision: str = ...) -> np.ndarray: ...
def resolve_grid(
    expr: str,
    x: Optional[Tuple[float, float]] = ...,
    nx: Optional[int] = ...,
    y: Optional[Tuple[float, float]] = ...,
    ny: Optional[int] = ...,
) -> Tuple[Tuple[float, float, int], Optional[Tuple[float, float, int]]]: ...
def supports(device: str = ..., precision: str = ..., backend: Optional[str] = ..., adapter: Optional[str] = ...) -> bool: ...
