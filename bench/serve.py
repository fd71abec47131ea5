"""``uvicorn egov.config.asgi:application --workers N``, with TCP_NODELAY on every connection.

uvicorn binds the shared listening socket of ``--workers N`` without ``IPPROTO_TCP``; asyncio
then leaves Nagle's algorithm on for accepted connections, and each keep-alive response after the
first waits ~40 ms for the client's delayed ACK (https://github.com/Kludex/uvicorn/issues/3149).
The benchmark measures egov, not that stall, so it binds the socket the way single-worker
uvicorn does. Everything else is what ``uvicorn --workers N`` runs.

    python bench/serve.py PORT WORKERS [--plain]   (--plain: uvicorn's own socket, to compare)

``BENCH_SERVER=granian`` serves the same Django project through its WSGI entry point under
granian (a Rust HTTP server; Django's views are synchronous, and under ASGI each request
crosses from the event loop to a worker thread and back), ``BENCH_SERVER=granian-asgi`` its
ASGI application (the one deployments run) under granian, to compare the servers.
"""

import os
import socket
import sys

from uvicorn.config import Config
from uvicorn.server import Server
from uvicorn.supervisors import Multiprocess


class TcpConfig(Config):
    def bind_socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.set_inheritable(True)
        return sock


def granian(port: int, workers: int, interface: str) -> None:
    from granian.cli import cli

    if interface == "wsgi":
        target = "egov.config.wsgi:application"
        threads = [f"--blocking-threads={os.environ.get('BENCH_GRANIAN_THREADS', '4')}"]
    else:  # Django answers no lifespan messages
        interface, target, threads = "asginl", "egov.config.asgi:application", []
    sys.argv = [
        "granian",
        f"--interface={interface}",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
        *threads,
        "--no-ws",
        "--log-level=warning",
        "--no-access-log",
        target,
    ]
    cli()


def main() -> None:
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    server = os.environ.get("BENCH_SERVER", "uvicorn")
    if server.startswith("granian") and "--plain" not in sys.argv:
        granian(port, workers, "asgi" if server == "granian-asgi" else "wsgi")
        return
    config_class = Config if "--plain" in sys.argv else TcpConfig
    config = config_class(
        "egov.config.asgi:application",
        host="127.0.0.1",
        port=port,
        workers=workers,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        Server(config).run()


if __name__ == "__main__":
    main()
