"""Real concurrency against the app served by gunicorn: a server fixture helper and a
client that releases many booking requests together (used by the tests and bench/booking.py)."""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn -w N wsgi:app` on 127.0.0.1 with the given database and instance folder."""

    def __init__(self, database_url, instance, *, workers=4, extra_env=None):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "KEREN_INSTANCE_PATH": str(instance),
               "KEREN_SECRET_KEY": "load-test-secret-key-0123456789-abcdefgh",
               "KEREN_SEARCH_INDEX_DIR": str(Path(instance) / "index"),
               "KEREN_UPLOAD_DIR": str(Path(instance) / "uploads"),
               "KEREN_RATELIMIT_STORAGE_URI": "memory://",
               "KEREN_BOOKING_RATE_LIMIT": "100000 per hour",
               "KEREN_MAIL_BACKEND": "memory", **(extra_env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--graceful-timeout", "5", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self._wait()

    def _wait(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.process.stdout.read().decode())
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/akun/masuk")
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    return
            except OSError:
                time.sleep(0.1)
            finally:
                conn.close()
        self.stop()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        output = self.process.stdout.read().decode(errors="replace")
        self.process.stdout.close()
        return output


class Visitor:
    """One browser: its own cookies and CSRF token."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())

    def csrf_token(self):
        status, text, _headers = self.request("GET", "/akun/masuk")
        return CSRF.search(text).group(1)


@dataclass
class Outcome:
    status: int
    seconds: float
    body: str


def prepared_request(port, method, path, *, cookies=None, form=None):
    """The bytes of one HTTP/1.1 request, built before the clock starts, so that the timed part
    of the client is only connect, send and read (the server closes the connection after each
    response: gunicorn's sync workers do not keep connections alive)."""
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
             "Accept-Encoding: identity"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded",
                  f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _dechunk(body):
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


def send_prepared(port, data, *, timeout=60):
    """Send prepared request bytes on a new connection; (status, body text) once the server has
    answered and closed. Measures what a browser would wait for, with as little client CPU as
    possible: the load client shares the machine's cores with the server."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return status, body.decode(errors="replace")


def release_together(port, requests, *, timeout=120):
    """Send every prepared request at once (one thread each, released by a barrier); the
    outcomes in the same order."""
    barrier = threading.Barrier(len(requests))
    outcomes = [None] * len(requests)

    def run(i):
        barrier.wait(timeout=timeout)
        started = time.perf_counter()
        try:
            status, text = send_prepared(port, requests[i], timeout=timeout)
        except (OSError, ValueError, IndexError) as exc:
            status, text = 0, str(exc)
        outcomes[i] = Outcome(status, time.perf_counter() - started, text)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes


def booking_requests(port, slot_id, party_sizes):
    """One visitor (own session cookie and CSRF token) per party size, and the booking POST
    each of them will send, fully prepared."""
    requests = []
    for i, size in enumerate(party_sizes):
        visitor = Visitor(port)
        token = visitor.csrf_token()
        requests.append(prepared_request(port, "POST", f"/pesan/{slot_id}", cookies=visitor.cookies,
                                         form={"csrf_token": token, "party_size": size,
                                               "name": f"Pengunjung {i}",
                                               "phone": "0812-3456-7890",
                                               "idempotency_key":
                                                   f"load-{slot_id}-{i}-{time.monotonic_ns()}"}))
    return requests


def book_together(port, slot_id, party_sizes, *, timeout=120):
    """Prepare one visitor per party size, then release all their booking POSTs at once."""
    return release_together(port, booking_requests(port, slot_id, party_sizes), timeout=timeout)
