"""Serve optuna-dashboard on a storage, with its learning-curve artifacts and HTML reports.

optuna-dashboard has no authentication and its API can rename and delete studies, so it listens on
127.0.0.1 unless told otherwise, and anything else is warned about loudly.
"""

from __future__ import annotations

import ipaddress
import re
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import optuna_dashboard

from pipeline.artifacts import artifact_store
from pipeline.choices import DEFAULT_HOST, DEFAULT_PORT
from pipeline.dashboard.notes import write_notes
from pipeline.errors import UsageError
from pipeline.storage import Storage

REPORT_NAME = re.compile(r"[\w.-]+\.html")  # one file name, no path: nothing outside the report folder


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) only ever means this machine."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def exposure_warning(host: str, port: int, where: str) -> str:
    """``where``: the storage as displayed (password masked). Said before binding, so ``port`` 0 (any free
    port) is named as "the port printed below"."""
    on_port = f"port {port}" if port else "the port printed below"
    tunnel = port or "PORT"
    return (
        f"WARNING: listening on {host}, which is not a loopback address. optuna-dashboard has no authentication:\n"
        f"WARNING: anyone who can reach this machine on {on_port} can read, rename and delete every study in\n"
        f"WARNING: {where}. Prefer the default --host {DEFAULT_HOST} and an SSH tunnel (ssh -L "
        f"{tunnel}:127.0.0.1:{tunnel})."
    )


def serve(
    storage: Storage, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, on_listening: Callable[[str], None]
) -> None:
    """Serve the dashboard on ``url`` until Ctrl-C or SIGTERM (raised here as ``KeyboardInterrupt``).

    The study notes are refreshed first, so a verdict or report made since the last run shows up.
    ``on_listening`` gets the dashboard's address once the socket is bound (``port=0`` picks a free one).
    """
    if storage.kind in ("sqlite", "memory") and (storage.file is None or not storage.file.is_file()):
        raise UsageError(
            f"no study database at {storage.file or storage.display} (run 'tune compare STUDY' first, "
            "or pass --storage)"
        )
    if storage.access != "read":
        write_notes(storage)
    app = optuna_dashboard.wsgi(storage.open(), artifact_store=artifact_store(storage))
    if not is_loopback(host):  # before binding: nothing is exposed unwarned
        print(exposure_warning(host, port, storage.display), file=sys.stderr, flush=True)
    server_class = _Server6 if ":" in host else _Server
    try:
        httpd = make_server(host, port, with_reports(app, storage.report_dir), server_class, _QuietHandler)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (pass another --port or --host)"
        ) from None
    # `kill PID` stops as cleanly as Ctrl-C; SIGINT too when a shell started us in the background, ignoring it.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with httpd:
            shown = f"[{host}]" if ":" in host else host
            on_listening(f"http://{shown}:{httpd.server_port}/dashboard/")
            httpd.serve_forever()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def with_reports(app: Callable, folder: Path) -> Callable:
    """``app`` that also serves ``folder/NAME.html`` at ``/reports/NAME.html``, where the study notes link."""

    def wsgi_app(environ: dict, start_response: Callable):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/reports/"):
            return app(environ, start_response)
        name = path.removeprefix("/reports/")
        file = folder / name
        if not REPORT_NAME.fullmatch(name) or not file.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"no report {name!r} in {folder}/\n".encode()]
        body = file.read_bytes()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    return wsgi_app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # Ctrl-C does not wait for a browser's open requests


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # the web page polls every few seconds
        pass


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt
