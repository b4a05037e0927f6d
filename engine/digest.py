"""SHA-256 from CPython's own built-in module, not through hashlib.

``import hashlib`` loads OpenSSL's ``_hashlib`` (about 3.5 ms at every start) to offer algorithms we
never use; the rule-set cache key and the durable registration key need SHA-256 only, and the built-in
``_sha256`` (``_sha2`` from Python 3.12) gives the same digests in a tenth of the import time. hashlib is
the fallback for a Python built without it.
"""
from __future__ import annotations

try:
    from _sha256 import sha256
except ImportError:  # pragma: no cover - depends on the Python build
    try:
        from _sha2 import sha256  # type: ignore[no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]

__all__ = ["sha256"]
