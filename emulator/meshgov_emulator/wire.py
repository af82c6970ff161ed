"""What goes on the wire: responses as (status, headers, body), JSON bodies and
error bodies in each service's protocol, and the compact JSON forms used for
fault matching, paging tokens and grant identities."""
from __future__ import annotations

import http
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .call import Call

Response = tuple[int, list[tuple[str, str]], bytes]

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def compact(obj: Any) -> str:
    """Compact JSON (no spaces): the form that fault ``match`` strings are tested against."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)


def compact_sorted(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def json_response(call: Call, payload: Any, status: int = 200) -> Response:
    ctype = "application/x-amz-json-1.1" if call.service == "glue" else "application/json"
    return status, [("Content-Type", ctype), ("x-amzn-RequestId", call.request_id)], json.dumps(payload).encode()


def render_error(service: str, code: str, message: str, status: int, request_id: str) -> Response:
    if service == "sts" or service in ("iam", "sqs", "sns"):
        # awsQuery: XML ErrorResponse.
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="{STS_NS}">'
            f"<Error><Type>{kind}</Type><Code>{_xml(code)}</Code><Message>{_xml(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    if service in ("lakeformation", "ram"):
        # restJson1: error code in x-amzn-ErrorType, message in the body.
        body = json.dumps({"message": message}).encode()
        return status, [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ], body
    # awsJson1_1 (Glue and other X-Amz-Target services).
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", code),
        ("x-amzn-RequestId", request_id),
    ], body


def _xml(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
