"""Loaded by every Python process started with this folder on PYTHONPATH: any attempt to reach
a host other than this machine is refused and written to $PARKQA_NET_LOG."""
import os
import socket

_LOG = os.environ.get("PARKQA_NET_LOG")
_LOCAL = ("127.0.0.1", "::1", "localhost", "0.0.0.0", "")


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(what + "\n")


_connect = socket.socket.connect
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOCAL:
        _record(f"connect {address!r}")
        raise OSError("network disabled for this test")
    return _connect(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL and not (isinstance(host, bytes) and host.decode() in _LOCAL):
        _record(f"resolve {host!r}")
        raise socket.gaierror("network disabled for this test")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.getaddrinfo = getaddrinfo
