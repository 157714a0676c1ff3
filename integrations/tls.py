"""One TLS context for every partner client in the process.

A sync pass builds its HTTP client anew, and building a TLS context (loading the system's
certificate store) costs about 20 ms of CPU; made once and shared, it costs nothing per
pass. An ``SSLContext`` is safe to share between clients and threads.
"""

from __future__ import annotations

import ssl
from functools import cache


@cache
def client_context() -> ssl.SSLContext:
    """The default verifying context (system certificates, hostname checks), made once."""
    return ssl.create_default_context()
