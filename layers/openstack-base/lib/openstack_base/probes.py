"""Whether a service answers: a TCP port that accepts connections, an
HTTP(S) server that answers, and waiting for either."""

import http.client
import socket
import ssl
import time


def port_open(address, port):
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def wait_for_ports(endpoints, timeout, give_up=lambda: False):
    """Wait until every (address, port) accepts connections, timeout, or
    give_up() is true; True when all do."""
    deadline = time.monotonic() + timeout
    waiting = list(endpoints)
    while waiting and time.monotonic() < deadline and not give_up():
        waiting = [e for e in waiting if not port_open(*e)]
        if waiting:
            time.sleep(1)
    return not waiting


def http_answers(address, port, tls=False):
    """True when an HTTP(S) server answers GET / there (any status):
    through haproxy that means a backend is up, not just haproxy."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(address, port, timeout=5,
                                           context=context)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=5)
    try:
        conn.request('GET', '/')
        return conn.getresponse().status > 0
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def wait_for_http(address, port, tls, timeout, give_up=lambda: False):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not give_up():
        if http_answers(address, port, tls):
            return True
        time.sleep(1)
    return False
