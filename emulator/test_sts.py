"""Tests for STS AssumeRole's external id condition (sts.py): a role the emulator's IAM knows,
whose trust policy wants an `sts:ExternalId`, is assumed only with it.

Run:  python -m pytest emulator/ -q     (needs emulator/requirements-test.txt)
"""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from test_emulator import endpoint, make_client, sts, uid  # noqa: F401  (fixtures)

ACCOUNT = "123456789012"  # the default account: the emulator's IAM of the test's own credentials


def trust(external_ids=None):
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    if external_ids is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_ids}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def assume(sts, arn, external_id=None):
    args = {"RoleArn": arn, "RoleSessionName": "test"}
    if external_id is not None:
        args["ExternalId"] = external_id
    return sts.assume_role(**args)["Credentials"]["AccessKeyId"]


def denied(excinfo, arn):
    err = excinfo.value.response
    assert err["Error"]["Code"] == "AccessDenied", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Message"].endswith(f"sts:AssumeRole on resource: {arn}")


def test_a_role_with_an_external_id_condition_is_assumed_only_with_that_id(endpoint, sts):
    iam = make_client(endpoint, "iam")
    arn = iam.create_role(RoleName=uid("reader"), AssumeRolePolicyDocument=trust("meshgov-1234"))["Role"]["Arn"]
    for wrong in (None, "meshgov-9999"):
        with pytest.raises(ClientError) as exc:
            assume(sts, arn, wrong)
        denied(exc, arn)
    assert assume(sts, arn, "meshgov-1234")
    # Any of several ids, when the condition lists them.
    arn = iam.create_role(RoleName=uid("reader"), AssumeRolePolicyDocument=trust(["a-1", "b-2"]))["Role"]["Arn"]
    assert assume(sts, arn, "b-2")


def test_roles_without_the_condition_or_unknown_to_iam_are_assumed_as_moto_does(endpoint, sts):
    iam = make_client(endpoint, "iam")
    arn = iam.create_role(RoleName=uid("open"), AssumeRolePolicyDocument=trust())["Role"]["Arn"]
    assert assume(sts, arn) and assume(sts, arn, "anything")
    assert assume(sts, f"arn:aws:iam::111111111111:role/{uid('never_created')}")
