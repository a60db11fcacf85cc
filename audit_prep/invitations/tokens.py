"""The single-use secret of an invitation.

Only its SHA-256 is stored (`token_hash`, how a presented secret finds its invitation). The
secret is an HMAC of a random salt under the site's secret key, so that the task sending the
e-mail receives an id only and derives it again, and a copy of the database alone opens
nothing. A new salt (a re-send) makes a new secret; the old one then finds nothing.
"""

import hashlib
import secrets

from django.utils.crypto import salted_hmac

KEY_SALT = "audit_prep.invitations.token"
MAX_LENGTH = 128  # what a request may present; real secrets are 64 hex digits


def new_salt() -> str:
    return secrets.token_hex(16)


def secret_for(salt: str, purpose: str) -> str:
    """The secret an invitation's salt stands for (`purpose`: the model, so that invitations of
    two kinds never share a secret)."""
    return salted_hmac(f"{KEY_SALT}.{purpose}", salt, algorithm="sha256").hexdigest()


def hash_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def issue(purpose: str) -> tuple[str, str]:
    """A fresh (salt, hash) pair for an invitation."""
    salt = new_salt()
    return salt, hash_of(secret_for(salt, purpose))
