"""AWS RAM, as far as Lake Formation uses it: the resource shares that cross-account grants create,
and their invitations (moto 5.2.5's RAM has neither invitations nor Lake Formation shares).

Lake Formation developer guide, "Cross-account access: how it works": a named-resource grant to
another account shares the resource through RAM. If the grantee is in the grantor's organization
the share is available immediately; otherwise RAM sends the grantee an invitation, which its data
lake administrator must accept ("Accepting a resource share invitation from AWS RAM"). Same-
organization shares use no invitation at all.

One share per (owner, receiver, region), reused by later grants; shares and invitations are kept
under REGISTRY.lock. The wire format is RAM's restJson1 API (botocore's ram 2018-01-04 model)."""
from __future__ import annotations

import random
import string
import time
import uuid
from typing import Any, Callable

from . import settings
from .call import Call
from .errors import ApiError
from .faults import REGISTRY
from .moto_app import MotoApp
from .wire import Response, json_response

ShareKey = tuple[str, str, str]  # (owner, receiver, region)

SHARES: dict[ShareKey, dict[str, Any]] = {}
INVITATIONS: dict[str, dict[str, Any]] = {}  # invitation ARN -> invitation (wire form)


def clear() -> None:
    with REGISTRY.lock:
        SHARES.clear()
        INVITATIONS.clear()


def glue_resource(resource: dict[str, Any], owner: str, region: str) -> tuple[str, str]:
    """The Glue ARN and RAM resource type of a Lake Formation resource (a data cells filter or a
    column grant shares its table)."""
    prefix = f"arn:aws:glue:{region}:{owner}"
    for key in ("Table", "TableWithColumns", "DataCellsFilter"):
        sub = resource.get(key)
        if isinstance(sub, dict):
            name = sub.get("TableName") if key == "DataCellsFilter" else sub.get("Name")
            return f"{prefix}:table/{sub.get('DatabaseName')}/{name or '*'}", "glue:Table"
    sub = resource.get("Database")
    if isinstance(sub, dict):
        return f"{prefix}:database/{sub.get('Name')}", "glue:Database"
    return f"{prefix}:catalog", "glue:Catalog"


def share(owner: str, receiver: str, region: str, resource: dict[str, Any]) -> None:
    """Records a grant by `owner` to a principal of `receiver`: adds the resource to their share,
    and sends a PENDING invitation unless the two accounts are in one organization or an
    invitation is already pending or accepted. Call under REGISTRY.lock."""
    now = time.time()
    key = (owner, receiver, region)
    found = SHARES.get(key)
    if found is None:
        suffix = "".join(random.choices(string.ascii_letters, k=5))
        found = SHARES[key] = {
            "resourceShareArn": f"arn:aws:ram:{region}:{owner}:resource-share/{uuid.uuid4()}",
            # The form AWS's examples show for Lake Formation's shares: sender-receiver-suffix.
            "name": f"{owner}-{receiver}-{suffix}",
            "owningAccountId": owner,
            "allowExternalPrincipals": True,
            "status": "ACTIVE",
            "creationTime": now,
            "lastUpdatedTime": now,
            "featureSet": "STANDARD",
            "_receiver": receiver,
            "_resources": {},
            "_invitation": None,
        }
    arn, rtype = glue_resource(resource, owner, region)
    if arn not in found["_resources"]:
        found["_resources"][arn] = {"type": rtype, "creationTime": now}
        found["lastUpdatedTime"] = now
    invitation = INVITATIONS.get(found["_invitation"] or "")
    if settings.same_organization(owner, receiver):
        return
    if invitation is None or invitation["status"] in ("REJECTED", "EXPIRED"):
        inv_arn = f"arn:aws:ram:{region}:{owner}:resource-share-invitation/{uuid.uuid4()}"
        INVITATIONS[inv_arn] = {
            "resourceShareInvitationArn": inv_arn,
            "resourceShareName": found["name"],
            "resourceShareArn": found["resourceShareArn"],
            "senderAccountId": owner,
            "receiverAccountId": receiver,
            "invitationTimestamp": now,
            "status": "PENDING",
        }
        found["_invitation"] = inv_arn


def available(owner: str, receiver: str, region: str) -> bool:
    """Whether what `owner` shared with `receiver` is available to it: same account or
    organization, or an accepted invitation. Call under REGISTRY.lock."""
    if settings.same_organization(owner, receiver):
        return True
    found = SHARES.get((owner, receiver, region))
    invitation = INVITATIONS.get(found["_invitation"] or "") if found else None
    return invitation is not None and invitation["status"] == "ACCEPTED"


def _wire_share(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if not k.startswith("_")}


def _shares_of(call: Call, owner_param: Any) -> list[dict[str, Any]]:
    """The shares `call.account` owns (SELF) or can use (OTHER-ACCOUNTS), in its region."""
    if owner_param not in ("SELF", "OTHER-ACCOUNTS"):
        raise ApiError("InvalidParameterException", "resourceOwner must be SELF or OTHER-ACCOUNTS.", 400)
    out = []
    for (owner, receiver, region), found in SHARES.items():
        if region != call.region:
            continue
        if owner_param == "SELF" and owner == call.account:
            out.append(found)
        elif owner_param == "OTHER-ACCOUNTS" and receiver == call.account and available(owner, receiver, region):
            out.append(found)
    return out


# --------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------

def get_invitations(moto: MotoApp, call: Call) -> Response:
    """The invitations the caller received (RAM: "Retrieves details about invitations that you
    have received"), filtered by invitation and share ARNs. Not paged: everything in one page."""
    params = call.params()
    arns = params.get("resourceShareInvitationArns")
    share_arns = params.get("resourceShareArns")
    with REGISTRY.lock:
        found = [dict(inv) for inv in INVITATIONS.values()
                 if inv["receiverAccountId"] == call.account
                 and inv["resourceShareInvitationArn"].split(":")[3] == call.region
                 and (not arns or inv["resourceShareInvitationArn"] in arns)
                 and (not share_arns or inv["resourceShareArn"] in share_arns)]
    if arns:
        missing = set(arns) - {inv["resourceShareInvitationArn"] for inv in found}
        if missing:
            _check_arn(sorted(missing)[0])
            raise ApiError("ResourceShareInvitationArnNotFoundException",
                           f"ResourceShareInvitationArn {sorted(missing)[0]} could not be found.", 400)
    found.sort(key=lambda inv: (inv["invitationTimestamp"], inv["resourceShareInvitationArn"]))
    return json_response(call, {"resourceShareInvitations": found})


def _check_arn(arn: Any) -> None:
    if not isinstance(arn, str) or not arn.startswith("arn:aws:ram:") or len(arn.split(":")) < 6:
        raise ApiError("MalformedArnException", f"The format of ARN {arn} is not valid.", 400)


def _received(call: Call, arn: Any) -> dict[str, Any]:
    """The invitation `arn` the caller received; MalformedArnException or
    ResourceShareInvitationArnNotFoundException otherwise. Call under REGISTRY.lock."""
    _check_arn(arn)
    inv = INVITATIONS.get(arn)
    if inv is None or inv["receiverAccountId"] != call.account:
        raise ApiError("ResourceShareInvitationArnNotFoundException",
                       f"ResourceShareInvitationArn {arn} could not be found.", 400)
    return inv


def _answer(call: Call, status: str) -> Response:
    params = call.params()
    arn = params.get("resourceShareInvitationArn")
    with REGISTRY.lock:
        inv = _received(call, arn)
        if inv["status"] == "ACCEPTED":
            raise ApiError("ResourceShareInvitationAlreadyAcceptedException",
                           f"ResourceShareInvitationArn {arn} has already been accepted.", 400)
        if inv["status"] == "REJECTED":
            raise ApiError("ResourceShareInvitationAlreadyRejectedException",
                           f"ResourceShareInvitationArn {arn} has already been rejected.", 400)
        inv["status"] = status
        out: dict[str, Any] = {"resourceShareInvitation": dict(inv)}
    if params.get("clientToken"):
        out["clientToken"] = params["clientToken"]
    return json_response(call, out)


def accept_invitation(moto: MotoApp, call: Call) -> Response:
    return _answer(call, "ACCEPTED")


def reject_invitation(moto: MotoApp, call: Call) -> Response:
    return _answer(call, "REJECTED")


def list_pending_invitation_resources(moto: MotoApp, call: Call) -> Response:
    """The resources of the share an invitation the caller received is for ("Lists the resources
    in a resource share that is shared with you but for which the invitation is still PENDING").
    A rejected invitation: ResourceShareInvitationAlreadyRejectedException. Not paged."""
    params = call.params()
    arn = params.get("resourceShareInvitationArn")
    if arn is None:
        raise ApiError("MissingRequiredParameterException", "resourceShareInvitationArn is required.", 400)
    with REGISTRY.lock:
        inv = _received(call, arn)
        if inv["status"] == "REJECTED":
            raise ApiError("ResourceShareInvitationAlreadyRejectedException",
                           f"ResourceShareInvitationArn {arn} has already been rejected.", 400)
        found = next((s for s in SHARES.values() if s["resourceShareArn"] == inv["resourceShareArn"]), None)
        resources = sorted((found or {}).get("_resources", {}).items())
        out = [{"arn": r_arn, "type": res["type"], "resourceShareArn": inv["resourceShareArn"],
                "status": "AVAILABLE", "creationTime": res["creationTime"],
                "lastUpdatedTime": res["creationTime"], "resourceRegionScope": "REGIONAL"}
               for r_arn, res in resources]
    return json_response(call, {"resources": out})


def get_resource_shares(moto: MotoApp, call: Call) -> Response:
    """moto's own shares (those made with CreateResourceShare), then Lake Formation's. moto
    answers OTHER-ACCOUNTS with an error (not implemented), and has no shares from other accounts
    anyway, so only Lake Formation's are listed then."""
    params = call.params()
    with REGISTRY.lock:
        ours = [_wire_share(s) for s in _shares_of(call, params.get("resourceOwner"))]
    names = params.get("resourceShareArns")
    ours = [s for s in ours
            if (not names or s["resourceShareArn"] in names)
            and (params.get("name") is None or s["name"] == params["name"])
            and (params.get("resourceShareStatus") is None or s["status"] == params["resourceShareStatus"])]
    if params.get("resourceOwner") == "OTHER-ACCOUNTS":
        return json_response(call, {"resourceShares": ours})
    status, data, resp = moto.send_json(call, params)
    if status != 200 or not isinstance(data, dict):
        return resp
    data["resourceShares"] = list(data.get("resourceShares") or []) + ours
    return json_response(call, data)


def list_resources(moto: MotoApp, call: Call) -> Response:
    """The Glue resources in Lake Formation's shares (moto 5.2.5 has no ListResources)."""
    params = call.params()
    share_arns = params.get("resourceShareArns")
    arns = params.get("resourceArns")
    rtype = params.get("resourceType")
    out = []
    with REGISTRY.lock:
        for found in _shares_of(call, params.get("resourceOwner")):
            if share_arns and found["resourceShareArn"] not in share_arns:
                continue
            if params.get("principal") and params["principal"] != found["_receiver"]:
                continue
            for arn, res in sorted(found["_resources"].items()):
                if (arns and arn not in arns) or (rtype and res["type"].lower() != rtype.lower()):
                    continue
                out.append({"arn": arn, "type": res["type"], "resourceShareArn": found["resourceShareArn"],
                            "status": "AVAILABLE", "creationTime": res["creationTime"],
                            "lastUpdatedTime": res["creationTime"], "resourceRegionScope": "REGIONAL"})
    return json_response(call, {"resources": out})


# The RAM operations the emulator answers itself; the others go to moto as they are.
OPERATIONS: dict[str, Callable[[MotoApp, Call], Response]] = {
    "GetResourceShareInvitations": get_invitations,
    "AcceptResourceShareInvitation": accept_invitation,
    "RejectResourceShareInvitation": reject_invitation,
    "GetResourceShares": get_resource_shares,
    "ListPendingInvitationResources": list_pending_invitation_resources,
    "ListResources": list_resources,
}
