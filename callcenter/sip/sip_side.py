"""`callcenter sip`: the long-running parts of the SIP side, run together until one stops or we are told to.

``SIP_CHILDREN`` names, as "module:function", what builds each part from the settings; a builder
returns an object with ``run()``/``stop()`` or None when its part is not configured. Kamailio is the
first part; the announcement endpoint adds its own line. Each part runs in a thread of this process
(Kamailio itself is a child process that KamailioProcess supervises).
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any, Protocol

from callcenter.settings import Settings

log = logging.getLogger(__name__)

SIP_CHILDREN: list[str] = [
    "callcenter.sip.kamailio_process:from_settings",
    "callcenter.announcer_wiring:announcement_endpoint",
]


class SipPart(Protocol):
    def run(self) -> Any: ...

    def stop(self) -> None: ...


def build_parts(settings: Settings, names: list[str] | None = None) -> list[SipPart]:
    """Build every configured part named in ``names`` (default: SIP_CHILDREN)."""
    parts: list[SipPart] = []
    for name in SIP_CHILDREN if names is None else names:
        module, _, function = name.partition(":")
        part = getattr(importlib.import_module(module), function)(settings)
        if part is not None:
            parts.append(part)
    return parts


class SipSide:
    def __init__(self, parts: list[SipPart]) -> None:
        self._parts = parts
        self._done = threading.Event()
        self._codes: list[int] = []

    def run(self) -> int:
        """Run every part; when one returns (or stop() is called) stop the others; return 0 or 1."""
        threads = [threading.Thread(target=self._run_part, args=(part,), name=type(part).__name__,
                                    daemon=True) for part in self._parts]
        for thread in threads:
            thread.start()
        if not threads:
            log.warning("nothing to run on the SIP side (sip_run_kamailio is off and no endpoint is set up)")
            return 0
        self._done.wait()
        for part in self._parts:
            part.stop()
        for thread in threads:
            thread.join()
        return 0 if all(code == 0 for code in self._codes) else 1

    def stop(self) -> None:
        self._done.set()

    def _run_part(self, part: SipPart) -> None:
        try:
            result = part.run()
            self._codes.append(result if isinstance(result, int) else 0)
        except (RuntimeError, OSError) as exc:  # a part that cannot start says why in one sentence
            log.error("%s stopped: %s", type(part).__name__, exc)
            self._codes.append(1)
        except Exception:
            log.exception("%s failed", type(part).__name__)
            self._codes.append(1)
        finally:
            self._done.set()
