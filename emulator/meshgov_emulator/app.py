"""The WSGI middleware in front of moto: routes each request to the control API, to moto as it
is, or (for AWS calls) through the faults to the emulator's own handler or to moto, and records
the call."""
from __future__ import annotations

import io
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from . import catalog_events, control, glue, lakeformation, ram, sts
from .call import Call
from .errors import ApiError
from .faults import REGISTRY
from .moto_app import MotoApp
from .moto_patches import install_moto_patches
from .wire import Response, render_error, status_line

Handler = Callable[[MotoApp, Call], Response]


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EmulatorMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.moto = MotoApp(app)
        self.handlers: dict[tuple[str, str], Handler] = {}
        for service, operations in (("glue", glue.OPERATIONS), ("lakeformation", lakeformation.OPERATIONS),
                                   ("ram", ram.OPERATIONS), ("sts", sts.OPERATIONS)):
            self.handlers.update({(service, op): handler for op, handler in operations.items()})

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or ""
        if path == control.PREFIX or path.startswith(control.PREFIX + "/"):
            status, headers, body = control.handle(environ)
        elif path.startswith("/moto-api") or path == "/favicon.ico":
            if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                # The filters and RAM shares go with moto's grants.
                lakeformation.clear_filters()
                ram.clear()
            status, headers, body = self.moto.forward(environ)
        else:
            status, headers, body = self.aws(environ)
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "transfer-encoding")]
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
        headers.append(("Content-Length", str(len(body))))
        start_response(status_line(status), headers)
        return [body]

    def aws(self, environ: dict[str, Any]) -> Response:
        from werkzeug.wrappers import Request

        body = Request(environ).get_data(cache=True)
        environ.pop("werkzeug.request", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        call = Call(environ, body)
        started = time.time()
        record: dict[str, Any] = {
            "service": call.service,
            "operation": call.operation,
            "account": call.account,
            "region": call.region,
            "time": utcnow_iso(),
            "ts": started,
            "body": call.logged_body(),
            "request_id": call.request_id,
            "injected": None,
        }
        batch = call.service == "lakeformation" and call.operation in lakeformation.BATCH_OPERATIONS
        fault = REGISTRY.take(call, batch)
        resp: Response
        if fault is not None:
            fault.pause()
        if fault is not None and fault.error:
            record["injected"] = fault.error
            resp = render_error(call.service, fault.error, fault.message, fault.status, call.request_id)
        else:
            handler = self.handlers.get((call.service, call.operation))
            try:
                if handler is None:
                    resp = self.moto.send(call, body)
                else:
                    resp = handler(self.moto, call)
            except ApiError as err:
                resp = render_error(call.service, err.code, err.message, err.status, call.request_id)
            if call.entry_failures is not None:
                record["entry_failures"] = call.entry_failures
        status, headers, out = resp
        if status == 200 and call.service == "glue" and call.operation in catalog_events.EMITTING:
            catalog_events.publish(call.operation, call.account, call.region, call.params())
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers = list(headers) + [("x-amzn-RequestId", call.request_id)]
        else:
            record["request_id"] = next(v for k, v in headers if k.lower() == "x-amzn-requestid")
        record["status"] = status
        record["duration_ms"] = round((time.time() - started) * 1000, 1)
        REGISTRY.record(record)
        return status, headers, out


def make_app() -> EmulatorMiddleware:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    install_moto_patches()
    return EmulatorMiddleware(DomainDispatcherApplication(create_backend_app))
