"""A stand-in for NHS England's web site: an http.server on 127.0.0.1 serving landing pages
and monthly CSVs built from the files we ship, with the failures a real server has."""

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings

SHIPPED = settings.DATA_DIR / "nhse_monthly_ae_csv_2020-2026"
FIRST_RELEASES = settings.DATA_DIR / "nhse_monthly_ae_csv_2025"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    content_type: str = "text/csv"


@dataclass
class Publisher:
    base: str = ""
    # path -> answers given in turn; the last is repeated.
    routes: dict[str, list[Answer]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def serve(self, path: str, *answers: Answer) -> str:
        self.routes[path] = list(answers)
        return self.base + path

    def serve_file(self, path: str, body: bytes) -> str:
        return self.serve(path, Answer(body=body))

    def landing_page(self, path: str, links: dict[str, str]) -> str:
        """A page like NHS England's: link text beside each file, among links that are not
        monthly provider CSVs (a spreadsheet, a time series, another page)."""
        items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links.items())
        html = (
            "<html><body><h1>A&amp;E Attendances and Emergency Admissions</h1><ul>"
            '<li><a href="/files/Monthly-AE-Time-Series-March-2026.xls">Time series</a></li>'
            '<li><a href="/statistics/other-page/">Statistical work areas</a></li>'
            f"{items}</ul></body></html>"
        )
        return self.serve(path, Answer(body=html.encode(), content_type="text/html"))


class _Handler(BaseHTTPRequestHandler):
    publisher: Publisher

    def do_GET(self):
        self.publisher.requests.append(("GET", self.path))
        answers = self.publisher.routes.get(self.path)
        if not answers:
            self.send_error(404, "Not Found")
            return
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if answer.delay:
            time.sleep(answer.delay)
        etag = '"' + hashlib.sha256(answer.body).hexdigest()[:16] + '"'
        if answer.status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.status == 200:
            self.send_header("ETag", etag)
        self.end_headers()
        # The client may have given up already (a timeout test).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(answer.body)

    def log_message(self, *args):
        pass


def publisher_start() -> tuple[Publisher, ThreadingHTTPServer]:
    publisher = Publisher()
    handler = type("Handler", (_Handler,), {"publisher": publisher})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    publisher.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return publisher, server


def shipped(name: str, folder: Path = SHIPPED) -> bytes:
    return (folder / name).read_bytes()
