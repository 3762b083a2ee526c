"""What ``nianbao serve`` needs without its extra (the web server): the passwords of
``[serve.passwords]`` in config.toml, stored hashed, and the address of a unit's page.

Standard library only (``hashlib.scrypt``), so that ``nianbao serve --hash-password`` runs
without the web extra. A stored hash reads ``scrypt$16384$8$1$<salt>$<key>`` (cost, block
size and parallelism, then base64 salt and derived key): the parameters travel with the
hash, so a later, costlier setting still checks the passwords hashed before it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "password_matches", "is_password_hash", "UNIT_PAGE"]

#: Under ``nianbao serve FOLDER`` the page of one unit's report (the status screen opens it)
UNIT_PAGE = "/unit/{unit}/"

# scrypt at n=2**14, r=8 uses 16 MB and about 50 ms per check: slow for guessing, quick for a login
_N, _R, _P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def _parts(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    fields = stored.split("$")
    if len(fields) != 6 or fields[0] != "scrypt":
        return None
    try:
        n, r, p = int(fields[1]), int(fields[2]), int(fields[3])
        salt, key = base64.b64decode(fields[4], validate=True), base64.b64decode(fields[5], validate=True)
    except ValueError:
        return None
    if n < 2 or n & (n - 1) or not (0 < r <= 64 and 0 < p <= 16) or n * r * 128 > _MAXMEM or not salt or not key:
        return None
    return n, r, p, salt, key


def is_password_hash(stored: object) -> bool:
    """Whether ``stored`` is a hash this module made (config.toml is checked with it: a
    password written there in clear is refused, never compared)."""
    return isinstance(stored, str) and _parts(stored) is not None


def password_matches(password: str, stored: str) -> bool:
    parts = _parts(stored)
    if parts is None:
        return False
    n, r, p, salt, key = parts
    tried = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=len(key))
    return hmac.compare_digest(tried, key)
