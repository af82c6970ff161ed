"""Glue Data Catalog events, as Glue publishes them on EventBridge (AWS Glue developer guide,
"Automating AWS Glue with EventBridge": `Glue Data Catalog Database State Change` for tables
created and deleted, `Glue Data Catalog Table State Change` for a table updated and for partitions),
delivered to the SQS queues registered with `POST /_emulator/catalog-events`. moto runs no
EventBridge delivery, so the emulator stands in for the producer's rule, the governance bus and
its rule to the queue: a registration names the queue and the accounts whose events reach it (what
the governance bus's policy admits). Events are sent after the Glue call succeeded, one per call."""
from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import datetime, timezone
from typing import Any

ROUTES: list[dict[str, Any]] = []
LOCK = threading.Lock()

DATABASE_STATE_CHANGE = "Glue Data Catalog Database State Change"
TABLE_STATE_CHANGE = "Glue Data Catalog Table State Change"

# operation -> (detail-type, where its tables are in the request)
EMITTING = {
    "CreateTable": DATABASE_STATE_CHANGE,
    "DeleteTable": DATABASE_STATE_CHANGE,
    "BatchDeleteTable": DATABASE_STATE_CHANGE,
    "UpdateTable": TABLE_STATE_CHANGE,
    "CreatePartition": TABLE_STATE_CHANGE,
    "BatchCreatePartition": TABLE_STATE_CHANGE,
    "UpdatePartition": TABLE_STATE_CHANGE,
    "BatchUpdatePartition": TABLE_STATE_CHANGE,
    "DeletePartition": TABLE_STATE_CHANGE,
    "BatchDeletePartition": TABLE_STATE_CHANGE,
}

QUEUE_URL = re.compile(r"^https?://[^/]+/(?P<account>[0-9]{12})/(?P<name>[A-Za-z0-9_-]{1,80})$")


def register(spec: dict[str, Any]) -> dict[str, Any]:
    """Adds a route: `{"queue_url": …, "accounts": ["111122223333", …]}`."""
    url = spec.get("queue_url")
    match = QUEUE_URL.match(url or "")
    if not match:
        raise ValueError(f"queue_url must be an SQS queue URL of the emulator, got {url!r}")
    accounts = spec.get("accounts")
    if not isinstance(accounts, list) or not accounts or not all(re.fullmatch(r"[0-9]{12}", str(a)) for a in accounts):
        raise ValueError("accounts must list the 12-digit accounts whose catalog events reach the queue")
    route = {"id": str(uuid.uuid4()), "queue_url": url, "queue_account": match["account"],
             "queue_name": match["name"], "accounts": sorted(set(map(str, accounts)))}
    with LOCK:
        ROUTES.append(route)
    return route


def clear() -> None:
    with LOCK:
        ROUTES.clear()


def event_of(operation: str, account: str, region: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The event a successful Glue `operation` publishes, or None."""
    detail_type = EMITTING.get(operation)
    database = params.get("DatabaseName")
    if detail_type is None or not database:
        return None
    if operation == "CreateTable":
        tables = [(params.get("TableInput") or {}).get("Name")]
    elif operation == "DeleteTable":
        tables = [params.get("Name")]
    elif operation == "BatchDeleteTable":
        tables = list(params.get("TablesToDelete") or [])
    elif operation == "UpdateTable":
        tables = [(params.get("TableInput") or {}).get("Name")]
    else:
        tables = [params.get("TableName")]
    tables = [t for t in tables if t]
    if not tables:
        return None
    detail: dict[str, Any] = {"databaseName": database, "typeOfChange": operation}
    if detail_type == DATABASE_STATE_CHANGE:
        detail["changedTables"] = tables
    else:
        detail["tableName"] = tables[0]
        if "Partition" in operation:
            values = [params.get("PartitionValues")] if params.get("PartitionValues") else [
                p.get("Values") for p in (params.get("PartitionInputList") or params.get("PartitionsToDelete")
                                          or params.get("Entries") or []) if isinstance(p, dict)]
            detail["changedPartitions"] = [json.dumps(v) for v in values if v]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.glue",
        "account": account,
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:glue:{region}:{account}:table/{database}/{t}" for t in tables],
        "detail": detail,
    }


def publish(operation: str, account: str, region: str, params: dict[str, Any]) -> int:
    """Sends the event of a successful call to every queue routed from `account`; returns how many."""
    with LOCK:
        routes = [r for r in ROUTES if account in r["accounts"]]
    if not routes:
        return 0
    event = event_of(operation, account, region, params)
    if event is None:
        return 0
    from moto.sqs.models import sqs_backends

    sent = 0
    for route in routes:
        try:
            sqs_backends[route["queue_account"]][region].send_message(route["queue_name"], json.dumps(event))
            sent += 1
        except Exception:  # a deleted queue: EventBridge would count a failed invocation; so do we not fail the Glue call
            continue
    return sent
