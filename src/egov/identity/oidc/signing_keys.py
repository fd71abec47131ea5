"""The OpenID Connect provider's RSA signing keys, kept as PEM files in ``OIDC_KEYS_DIR``.

The newest file signs; the older ones stay published in the JWKS until they are retired, so tokens
signed before a rotation still verify. Plain Python, read by the settings at start-up.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

#: How many earlier keys stay published after a rotation.
KEEP_INACTIVE = 2


def key_files(folder: Path) -> list[Path]:
    """Key files, newest first (names start with a sortable timestamp)."""
    return sorted(folder.glob("*.pem"), reverse=True) if folder.is_dir() else []


def signing_keys(folder: Path, from_environment: str = "") -> tuple[str, list[str]]:
    """(active PEM, inactive PEMs). A key given in the environment is the active one."""
    pems = [path.read_text() for path in key_files(folder)]
    if from_environment:
        pems.insert(0, from_environment)
    if not pems:
        return "", []
    return pems[0], pems[1 : 1 + KEEP_INACTIVE]


def new_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_new_key(folder: Path, stamp: str) -> Path:
    """Create a new signing key file readable by its owner only."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp}.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(new_key_pem())
    return path
