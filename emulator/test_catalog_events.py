"""Tests for the emulator's Glue Data Catalog events (catalog_events.py): a successful Glue change
of a routed account puts the event Glue documents on the routed SQS queue; other accounts, failed
calls and unrouted queues get nothing.

Run:  python -m pytest emulator/ -q     (needs emulator/requirements-test.txt)
"""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from test_emulator import control, endpoint, make_client, uid  # noqa: F401 (endpoint is a fixture)

PRODUCER = "333333333333"
GOVERNANCE = "444444444444"


def client_in(url, account, service):
    creds = make_client(url, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/meshgov", RoleSessionName="meshgov-test")["Credentials"]
    return make_client(url, service, creds)


def received(sqs, queue):
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])


def test_glue_changes_of_a_routed_account_reach_the_queue_as_documented(endpoint):
    glue = client_in(endpoint, PRODUCER, "glue")
    sqs = client_in(endpoint, GOVERNANCE, "sqs")
    queue = sqs.create_queue(QueueName=uid("events").replace("_", "-"))["QueueUrl"]
    status, route, _ = control(endpoint, "POST", "/catalog-events", {"queue_url": queue, "accounts": [PRODUCER]})
    assert status == 201, route

    db = uid("db")
    glue.create_database(DatabaseInput={"Name": db})
    assert received(sqs, queue) == [], "a database created names no table: no event"
    columns = [{"Name": "id", "Type": "string"}]
    glue.create_table(DatabaseName=db, TableInput={"Name": "orders", "StorageDescriptor": {"Columns": columns},
                                                   "PartitionKeys": [{"Name": "day", "Type": "string"}]})
    glue.update_table(DatabaseName=db, TableInput={"Name": "orders", "StorageDescriptor": {"Columns": columns * 1},
                                                   "PartitionKeys": [{"Name": "day", "Type": "string"}]})
    glue.batch_create_partition(DatabaseName=db, TableName="orders", PartitionInputList=[{"Values": ["2026-11-29"]}])
    with pytest.raises(ClientError):
        glue.delete_table(DatabaseName=db, Name="no_such_table")
    glue.delete_table(DatabaseName=db, Name="orders")

    events = received(sqs, queue)
    kinds = [(e["detail-type"], e["detail"]["typeOfChange"]) for e in events]
    assert kinds == [
        ("Glue Data Catalog Database State Change", "CreateTable"),
        ("Glue Data Catalog Table State Change", "UpdateTable"),
        ("Glue Data Catalog Table State Change", "BatchCreatePartition"),
        ("Glue Data Catalog Database State Change", "DeleteTable"),
    ], "one event per successful change, none for the failed delete"
    created, updated, partitions = events[0], events[1], events[2]
    assert created["source"] == "aws.glue" and created["account"] == PRODUCER and created["region"] == "us-east-1"
    assert created["detail"] == {"databaseName": db, "typeOfChange": "CreateTable", "changedTables": ["orders"]}
    assert created["resources"] == [f"arn:aws:glue:us-east-1:{PRODUCER}:table/{db}/orders"]
    assert updated["detail"]["tableName"] == "orders"
    assert partitions["detail"]["changedPartitions"] == ['["2026-11-29"]']


def test_other_accounts_and_bad_routes_get_nothing(endpoint):
    sqs = client_in(endpoint, GOVERNANCE, "sqs")
    queue = sqs.create_queue(QueueName=uid("events").replace("_", "-"))["QueueUrl"]
    assert control(endpoint, "POST", "/catalog-events", {"queue_url": queue, "accounts": [PRODUCER]})[0] == 201
    stranger = client_in(endpoint, "555555555555", "glue")
    db = uid("db")
    stranger.create_database(DatabaseInput={"Name": db})
    stranger.create_table(DatabaseName=db, TableInput={"Name": "t"})
    assert received(sqs, queue) == []
    assert control(endpoint, "POST", "/catalog-events", {"queue_url": "not a queue", "accounts": [PRODUCER]})[0] == 400
    assert control(endpoint, "POST", "/catalog-events", {"queue_url": queue, "accounts": ["12"]})[0] == 400
