"""The pages people open from the Prefect UI, served over http so a browser opens them (a browser refuses
the file:// links an artifact would otherwise carry, and the dbt docs need http to load their catalog):

    /reports/    the KPI report written beside the warehouse
    /dbt-docs/   the dbt docs of this warehouse (`make docs` writes them; HR reads every model and column)
    /data-docs/  the Great Expectations Data Docs (every gate's results)

    python -m crm.site --warehouse data/warehouse.duckdb [--host 127.0.0.1] [--port 8090]    (make site)

Artifacts link to CRM_SITE_URL (default http://127.0.0.1:8090): on a shared server, run this behind your
proxy and set CRM_SITE_URL to the address people use.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crm.dbt_runner import target_dir
from crm.warehouse import resolve

DEFAULT_SITE_URL = "http://127.0.0.1:8090"
INDEX = b"""<!doctype html><html><head><meta charset="utf-8"><title>Recruiting CRM</title></head><body>
<h1>Recruiting CRM</h1><ul>
<li><a href="/reports/kpi_report.html">KPI report</a></li>
<li><a href="/dbt-docs/index.html">dbt docs: every model and column, for HR</a></li>
<li><a href="/data-docs/index.html">Data Docs: the quality gates' results</a></li>
</ul></body></html>"""


def site_url(path: str) -> str:
    """The address of a page of the site, as artifacts link to it."""
    return os.environ.get("CRM_SITE_URL", DEFAULT_SITE_URL).rstrip("/") + "/" + path.lstrip("/")


def data_docs_dir() -> Path:
    from crm.gates import GX_ROOT

    return GX_ROOT / "gx" / "uncommitted" / "data_docs" / "local_site"


def folders(warehouse: str | Path) -> dict[str, Path]:
    return {
        "reports": resolve(warehouse).parent / "reports",
        "dbt-docs": target_dir(warehouse),
        "data-docs": data_docs_dir(),
    }


class _Handler(SimpleHTTPRequestHandler):
    roots: dict[str, Path] = {}

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path in ("/", "/index.html"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(INDEX)))
            self.end_headers()
            self.wfile.write(INDEX)
            return
        super().do_GET()

    def translate_path(self, path: str) -> str:
        prefix, _, rest = path.lstrip("/").partition("/")
        root = self.roots.get(prefix)
        if root is None:
            return str(Path(self.directory) / "__not_served__")
        self.directory = str(root)
        return super().translate_path("/" + rest)


def make_server(warehouse: str | Path, host: str = "127.0.0.1", port: int = 8090) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"roots": folders(warehouse)})
    empty = resolve(warehouse).parent
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(empty)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crm.site", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    server = make_server(args.warehouse, args.host, args.port)
    print(f"KPI report, dbt docs and Data Docs on http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
