"""Seal secrets stored in the database (webhook signing keys) with a key derived from settings.secret_key.

The SecretBox port of callcenter.services.webhook_ports. Fernet (AES-128-CBC with HMAC-SHA256, from
``cryptography``) under a key derived from secret_key by HKDF-SHA256 with a purpose label, so that the
same secret_key used elsewhere (cookies, CSRF) never serves as this key directly. Changing secret_key
makes the sealed secrets unreadable: their subscriptions must be added again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from callcenter.services.webhook_ports import SecretUnreadable

PURPOSE = b"callcenter webhook secrets v1"


class FernetSecretBox:
    def __init__(self, secret_key: str, purpose: bytes = PURPOSE) -> None:
        if not secret_key:
            raise ValueError("a secret key is needed to seal secrets")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            secret_key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise SecretUnreadable("this secret was sealed with another secret_key") from exc
