"""A call's finalizer takes no lock: garbage collection runs it inside whatever the collector interrupted.

Stock pyVoIP gives a call's ports back in ``VoIPCall.__del__``, through the phone's ports lock and
``Thread.is_alive()`` (CPython's thread bookkeeping lock); a full test run hung with one thread waiting
on a lock its own interrupted frame held. The fixed call gives its ports back when it ends instead.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

from pyVoIP import VoIP  # noqa: F401  (pyVoIP.VoIP before pyVoIP.SIP: the other order is a circular import)

from callcenter.sip.pyvoip_phone import FixedVoIPCall


def test_the_finalizer_of_a_call_returns_at_once_whatever_lock_is_held() -> None:
    ports_lock = threading.Lock()
    released: list[object] = []

    def release_ports(call: object = None) -> None:
        with ports_lock:
            released.append(call)

    call = FixedVoIPCall.__new__(FixedVoIPCall)  # no network: only the finalizer is under test
    call.phone = SimpleNamespace(release_ports=release_ports)
    with ports_lock:  # as when the collector interrupts a block holding it
        finalizer = threading.Thread(target=call.__del__, daemon=True)
        finalizer.start()
        finalizer.join(timeout=2)
        assert not finalizer.is_alive()
    assert released == []  # the ports were given back when the call ended, not here
    del call.phone
