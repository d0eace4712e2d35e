"""What every engine shares: the outcome of one probe.

The values are stored (a small integer per raw result), so they never change; labels for people live
in ``infra.probes.choices.ResultOutcome``, which is built from this enum.
"""

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from enum import IntEnum
from typing import Any, TypeVar

T = TypeVar("T")


class Outcome(IntEnum):
    OK = 0  # ICMP: at least one reply; SNMP: the agent answered every object asked for
    TIMEOUT = 1  # nothing came back in time (a wrong SNMP community looks like this too)
    HOST_UNREACHABLE = 2  # an ICMP "host unreachable" (or any other destination unreachable code)
    NETWORK_UNREACHABLE = 3  # an ICMP "network unreachable", or no route from here
    TTL_EXCEEDED = 4  # an ICMP "time exceeded" on the way
    NAME_NOT_RESOLVED = 5  # the target's name did not resolve
    LOCAL_ERROR = 6  # the prober could not send (socket not permitted, no route, bad address, ...)
    AUTH_FAILURE = 7  # SNMPv3: unknown user, wrong key (WrongDigest), unsupported security level
    NO_SUCH_OBJECT = 8  # SNMP: the agent answered, but an object asked for does not exist
    ERROR = 9  # any other error the agent reported
    # HTTP(S) checks (engines/http.py)
    HTTP_ERROR = 10  # the server answered with an error status (4xx, 5xx) or too many redirects
    CONNECTION_REFUSED = 11  # nothing listens on the port (TCP reset)
    TLS_EXPIRED = 12  # the certificate has expired (or is not valid yet)
    TLS_WRONG_NAME = 13  # the certificate is for another host name
    TLS_UNTRUSTED = 14  # the certificate chain does not lead to a trusted authority (self-signed, ...)
    TLS_ERROR = 15  # any other TLS failure (handshake, protocol)
    CONTENT_MISSING = 16  # the page came, without the text the check expects

    @property
    def answered(self) -> bool:
        """The target answered: it counts as up. An SNMP agent that lacks an object still answered."""
        return self in (Outcome.OK, Outcome.NO_SUCH_OBJECT)


def run_coroutine(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end on an event loop of its own, from sync code, and return its result.

    In this thread when it runs no loop; otherwise (async code, or a library's sync API built on a
    loop, such as Playwright's) in a thread of its own, since ``asyncio.run`` refuses a running loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-loop") as pool:
        return pool.submit(asyncio.run, work).result()
