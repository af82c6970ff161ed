"""The control API under /_emulator/ (JSON): health, faults, the call log, settings, reset."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from . import catalog_events, lakeformation, ram, settings
from .faults import REGISTRY
from .wire import Response

PREFIX = "/_emulator"


def handle(environ: dict[str, Any]) -> Response:
    method = environ.get("REQUEST_METHOD", "GET")
    path = (environ.get("PATH_INFO") or "")[len(PREFIX):].rstrip("/") or "/"
    query = parse_qs(environ.get("QUERY_STRING", ""))

    def reply(payload: Any, status: int = 200) -> Response:
        return status, [("Content-Type", "application/json")], json.dumps(payload, default=str).encode()

    try:
        if path in ("/", "/health") and method == "GET":
            import moto

            return reply({"status": "ok", "moto": moto.__version__, **memory_kib()})
        if path == "/faults":
            if method == "GET":
                with REGISTRY.lock:
                    return reply({"faults": [f.to_dict() for f in REGISTRY.faults]})
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b""
                spec = json.loads(raw or b"{}")
                specs = spec if isinstance(spec, list) else [spec]
                created = [REGISTRY.add_fault(s).to_dict() for s in specs]
                return reply(created if isinstance(spec, list) else created[0], 201)
            if method == "DELETE":
                with REGISTRY.lock:
                    REGISTRY.faults.clear()
                REGISTRY.release_all()
                return reply({"cleared": True})
        if path.startswith("/faults/") and path.count("/") == 3 and method == "POST":
            # A hold's barrier: wait until a call arrives at it, or let the held call go on.
            _, _, fid, verb = path.split("/")
            try:
                if verb == "wait":
                    timeout_ms = int(query.get("timeout_ms", ["10000"])[0])
                    fault = REGISTRY.hold(fid)
                    arrived = fault.arrived.wait(timeout_ms / 1000.0)
                    return reply(fault.to_dict(), 200 if arrived else 408)
                if verb == "release":
                    return reply(REGISTRY.release(fid).to_dict())
            except KeyError:
                return reply({"error": f"no hold {fid} (never added, or released already)"}, 404)
        if path.startswith("/faults/") and method == "DELETE":
            fid = path.split("/", 2)[2]
            with REGISTRY.lock:
                before = len(REGISTRY.faults)
                REGISTRY.faults[:] = [f for f in REGISTRY.faults if f.id != fid]
                deleted = before != len(REGISTRY.faults)
            try:
                REGISTRY.release(fid)
            except KeyError:
                pass
            return reply({"deleted": deleted})
        if path == "/calls":
            if method == "GET":
                with REGISTRY.lock:
                    calls = list(REGISTRY.calls)
                for field in ("service", "operation", "account"):
                    if query.get(field):
                        calls = [c for c in calls if c.get(field) == query[field][0]]
                return reply({"calls": calls})
            if method == "DELETE":
                with REGISTRY.lock:
                    REGISTRY.calls.clear()
                return reply({"cleared": True})
        if path == "/settings":
            if method == "GET":
                return reply(settings.current())
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b""
                return reply(settings.update(json.loads(raw or b"{}")))
        if path == "/organizations" and method == "POST":
            # Adds one organization, keeping the others: tests running in parallel each add their own.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            return reply(settings.add_organization(json.loads(raw or b"{}").get("accounts")), 201)
        if path == "/catalog-events" and method == "POST":
            # Routes producers' Glue Data Catalog events to a queue, as EventBridge rules would.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            return reply(catalog_events.register(json.loads(raw or b"{}")), 201)
        if path == "/reset" and method == "POST":
            with REGISTRY.lock:
                REGISTRY.faults.clear()
                REGISTRY.calls.clear()
                REGISTRY.release_all()
                lakeformation.clear_filters()
                ram.clear()
                catalog_events.clear()
                settings.reset()
            return reply({"reset": True})
    except (ValueError, TypeError) as err:
        return reply({"error": str(err)}, 400)
    return reply({"error": f"no such control endpoint: {method} {PREFIX}{path}"}, 404)


def memory_kib() -> dict[str, int]:
    """The emulator's resident memory now and at its peak (Linux: VmRSS, VmHWM), for benchmarks."""
    out = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    out["rss_kib" if name == "VmRSS" else "peak_rss_kib"] = int(value.split()[0])
    except OSError:
        pass
    return out
