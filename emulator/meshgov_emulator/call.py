"""One AWS request as the middleware sees it: service, operation, account, region and body."""
from __future__ import annotations

import json
import os
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from .errors import ApiError

DEFAULT_REGION = "us-east-1"

# Used only when a request carries no SigV4 Authorization header.
LF_OPERATIONS = {
    "AddLFTagsToResource", "BatchGrantPermissions", "BatchRevokePermissions",
    "CreateDataCellsFilter", "CreateLFTag", "DeleteDataCellsFilter", "DeleteLFTag",
    "DeregisterResource", "DescribeResource", "GetDataCellsFilter",
    "GetDataLakeSettings", "GetLFTag", "GetResourceLFTags", "GrantPermissions",
    "ListDataCellsFilter", "ListLFTags", "ListPermissions", "ListResources",
    "PutDataLakeSettings", "RegisterResource", "RemoveLFTagsFromResource",
    "RevokePermissions", "UpdateDataCellsFilter", "UpdateLFTag",
}

# RAM (restJson1) puts the operation's name, in lower case, in the path: POST /getresourceshares.
RAM_OPERATIONS = {op.lower(): op for op in (
    "AcceptResourceShareInvitation", "AssociateResourceShare", "CreateResourceShare",
    "DeleteResourceShare", "DisassociateResourceShare", "EnableSharingWithAwsOrganization",
    "GetResourceShareAssociations", "GetResourceShareInvitations", "GetResourceShares",
    "ListPendingInvitationResources", "ListPermissions", "ListPrincipals", "ListResources",
    "ListResourceTypes", "RejectResourceShareInvitation", "UpdateResourceShare",
)}

# Same expressions moto's BaseResponse uses, so we resolve the same account/region.
ACCESS_KEY_RE = re.compile(r"AWS.*(?P<access_key>(?<![A-Z0-9])[A-Z0-9]{20}(?![A-Z0-9]))[:/]")
REGION_FROM_UA_RE = re.compile(r"region/(?P<region>[a-z]{2}-[a-z]+-\d{1})")
SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


class Call:
    """What the middleware knows about one AWS request."""

    def __init__(self, environ: dict[str, Any], body: bytes):
        self.environ = environ
        self.body = body
        self.text = body.decode("utf-8", errors="replace")
        self.path = environ.get("PATH_INFO", "") or "/"
        self.content_type = environ.get("CONTENT_TYPE", "") or ""
        self.request_id = str(uuid.uuid4())
        auth = environ.get("HTTP_AUTHORIZATION", "") or ""
        scope = SCOPE_RE.search(auth)
        self.form: dict[str, str] = {}
        if "x-www-form-urlencoded" in self.content_type or (not self.content_type and "Action=" in self.text):
            self.form = dict(parse_qsl(self.text, keep_blank_values=True))
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        target = environ.get("HTTP_X_AMZ_TARGET", "") or ""

        service = scope.group("service").lower() if scope else None
        if not service:
            if target.startswith("AWSGlue."):
                service = "glue"
            elif self.path.strip("/").split("/")[0] in LF_OPERATIONS:
                service = "lakeformation"
            elif self.path.strip("/").split("/")[0] in RAM_OPERATIONS:
                service = "ram"
            elif (self.form.get("Action") or query.get("Action")) and (
                (self.form.get("Version") or query.get("Version")) == "2011-06-15"
                or (self.form.get("Action") or query.get("Action", "")).startswith(("AssumeRole", "GetCallerIdentity", "GetSessionToken", "GetFederationToken"))
            ):
                service = "sts"
        self.service = service or "unknown"

        if target:
            operation = target.split(".", 1)[-1]
        elif self.form.get("Action") or query.get("Action"):
            operation = self.form.get("Action") or query.get("Action", "")
        elif self.service == "lakeformation":
            operation = self.path.strip("/").split("/")[0]
        elif self.service == "ram":
            first = self.path.strip("/").split("/")[0]
            operation = RAM_OPERATIONS.get(first.lower(), self.path)
        else:
            operation = self.path
        self.operation = operation
        self.account = self._account(auth, query)
        self.region = self._region(auth, scope)
        self._json: Any = None
        self._json_parsed = False
        # Set by a batch handler: the entries that failed, for the call log.
        self.entry_failures: list[dict[str, Any]] | None = None

    def _account(self, auth: str, query: dict[str, str]) -> str:
        # Mirrors moto.core.responses.BaseResponse.get_current_account.
        if os.environ.get("MOTO_ACCOUNT_ID"):
            return os.environ["MOTO_ACCOUNT_ID"]
        header = self.environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        if header:
            return header
        m = ACCESS_KEY_RE.search(auth)
        access_key = m.group("access_key") if m else query.get("AWSAccessKeyId", "AKIAEXAMPLE")
        from moto.iam.models import get_account_id_from

        return get_account_id_from(access_key)

    def _region(self, auth: str, scope: Any) -> str:
        # Mirrors BaseResponse.get_region_from_url for a server on a bare host:port.
        ua = REGION_FROM_UA_RE.search(self.environ.get("HTTP_USER_AGENT", "") or "")
        if ua:
            return ua.group("region")
        if scope:
            return scope.group("region")
        return DEFAULT_REGION

    @property
    def json(self) -> Any:
        if not self._json_parsed:
            self._json_parsed = True
            try:
                self._json = json.loads(self.text) if self.text.strip() else {}
            except ValueError:
                self._json = None
        return self._json

    def params(self) -> dict[str, Any]:
        data = self.json
        if not isinstance(data, dict):
            raise ApiError("SerializationException", "Request body is not a JSON object", 400)
        return data

    def logged_body(self) -> Any:
        if self.form:
            return self.form
        if self.json is not None:
            return self.json
        return self.text[:4096]

    def matches(self, needle: str) -> bool:
        return needle in self.text or needle in unquote_plus(self.text)
