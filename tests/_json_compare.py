"""Compare two JSON documents as the golden tests do: floats to 1e-12 + 1e-9 relative, all else exactly.

On another CPU the same library versions round some floats differently (BLAS and libm kernels; seen
up to 8e-14 absolute, 1.2e-13 relative on 2026-12-03); a refactor that changes a statistic moves it by
far more than this tolerance.
"""

from __future__ import annotations

ABS, REL = 1e-12, 1e-9  # floats; every other value, every key and every list length must be identical


def differences(a: object, b: object, path: str = "$") -> list[str]:
    """Where two JSON documents differ: keys, lengths, non-float values exactly, floats beyond ABS + REL."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())} in one only"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    if type(a) is float and type(b) is float:
        return [] if abs(a - b) <= ABS + REL * max(abs(a), abs(b)) else [f"{path}: {a!r} vs {b!r}"]
    return [] if (type(a), a) == (type(b), b) else [f"{path}: {a!r} vs {b!r}"]
