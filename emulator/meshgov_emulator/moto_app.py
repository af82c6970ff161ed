"""moto's server app, called in-process: requests passed on as they came, or rewritten by a
handler (and then sent with the caller's credentials)."""
from __future__ import annotations

import io
import json
from typing import Any, Callable, Iterable

from .call import Call
from .wire import Response


class MotoApp:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def forward(self, environ: dict[str, Any]) -> Response:
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return chunks.append

        result = self.app(environ, start_response)
        try:
            for chunk in result:
                chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        return captured["status"], captured["headers"], b"".join(chunks)

    def send(self, call: Call, body: bytes, path: str | None = None) -> Response:
        """Send a (possibly rewritten) request to moto with the caller's credentials."""
        environ = dict(call.environ)
        environ.pop("werkzeug.request", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        if path is not None:
            environ["PATH_INFO"] = path
            environ["RAW_URI"] = environ["REQUEST_URI"] = path
        return self.forward(environ)

    def send_json(self, call: Call, payload: dict[str, Any], path: str | None = None) -> tuple[int, Any, Response]:
        resp = self.send(call, json.dumps(payload).encode(), path)
        try:
            data = json.loads(resp[2] or b"{}")
        except ValueError:
            data = None
        return resp[0], data, resp


def error_of(resp: Response) -> tuple[str, str]:
    """The error code and message of a moto error response."""
    headers = {k.lower(): v for k, v in resp[1]}
    code = headers.get("x-amzn-errortype", "")
    message = ""
    try:
        data = json.loads(resp[2] or b"{}")
        code = code or data.get("__type") or data.get("code") or ""
        message = data.get("message") or data.get("Message") or ""
    except (ValueError, AttributeError):
        message = resp[2].decode("utf-8", "replace")[:500]
    return (code.split(":")[0] or "InternalServiceException"), message
