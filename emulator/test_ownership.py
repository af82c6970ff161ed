"""Tests for the cross-account rules (`enforce_ownership`) and RAM invitations (resource links:
test_links.py).

They run against an emulator of their own, because they change its settings.
Run:  python -m pytest emulator/ -q     (needs emulator/requirements-test.txt)
"""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from test_emulator import control, make_client, own_emulator, uid

GOV = "123456789012"  # the default account: meshgov's governance account
PRODUCER = "111111111111"
CONSUMER = "222222222222"


def role(account, name=None):
    return {"DataLakePrincipalIdentifier": f"arn:aws:iam::{account}:role/{name or uid('r')}"}


def account_principal(account):
    return {"DataLakePrincipalIdentifier": account}


@pytest.fixture(scope="module")
def url():
    with own_emulator() as endpoint:
        status, body, _ = control(endpoint, "POST", "/settings", {"enforce_ownership": True})
        assert status == 200 and body["enforce_ownership"] is True, body
        yield endpoint


class Account:
    """Clients acting in one account (credentials from AssumeRole, as meshgov gets them)."""

    def __init__(self, url, account):
        creds = None
        if account != GOV:
            creds = make_client(url, "sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/admin", RoleSessionName="test")["Credentials"]
        self.id = account
        self.glue = make_client(url, "glue", creds)
        self.lf = make_client(url, "lakeformation", creds)
        self.ram = make_client(url, "ram", creds)
        if creds is not None:
            # The role acts as the account's administrator, in Lake Formation too.
            self.lf.put_data_lake_settings(DataLakeSettings={"DataLakeAdmins": [
                {"DataLakePrincipalIdentifier": f"arn:aws:iam::{account}:role/admin"}]})

    def as_role(self, url, name):
        """Clients acting as role `name` of this account (not an administrator)."""
        creds = make_client(url, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{self.id}:role/{name}", RoleSessionName="test")["Credentials"]
        return make_client(url, "glue", creds)


@pytest.fixture(scope="module")
def acct(url):
    made = {}

    def get(account):
        if account not in made:
            made[account] = Account(url, account)
        return made[account]
    return get


@pytest.fixture(scope="module")
def table(acct):
    """A table owned by the producer: (database, table)."""
    producer = acct(PRODUCER)
    db, name = uid("sales"), "orders"
    producer.glue.create_database(DatabaseInput={"Name": db})
    producer.glue.create_table(DatabaseName=db, TableInput={
        "Name": name, "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string"}]}})
    return db, name


def producer_table(db, name):
    return {"Table": {"CatalogId": PRODUCER, "DatabaseName": db, "Name": name}}


def denied(excinfo):
    err = excinfo.value.response
    assert err["Error"]["Code"] == "AccessDeniedException", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Message"].startswith("Insufficient Lake Formation permission(s)")
    return err["Error"]["Message"]


def invitations(account, **filters):
    return account.ram.get_resource_share_invitations(**filters)["resourceShareInvitations"]


def test_a_non_owner_cannot_grant_to_another_account(acct, table):
    gov = acct(GOV)
    with pytest.raises(ClientError) as exc:
        gov.lf.grant_permissions(Principal=role(CONSUMER), Resource=producer_table(*table), Permissions=["SELECT"])
    assert PRODUCER in denied(exc)


def test_re_grant_needs_the_grant_option_and_an_accepted_share(acct, table):
    producer, gov = acct(PRODUCER), acct(GOV)
    resource = producer_table(*table)
    mine = role(GOV, "analyst")
    # Nothing shared yet.
    with pytest.raises(ClientError) as exc:
        gov.lf.grant_permissions(Principal=mine, Resource=resource, Permissions=["SELECT"])
    denied(exc)

    producer.lf.grant_permissions(Principal=account_principal(GOV), Resource=resource,
                                  Permissions=["SELECT", "DESCRIBE"], PermissionsWithGrantOption=["SELECT", "DESCRIBE"])
    # Not in one organization: shared once the governance account accepts the invitation.
    with pytest.raises(ClientError) as exc:
        gov.lf.grant_permissions(Principal=mine, Resource=resource, Permissions=["SELECT"])
    assert "invitation" in denied(exc)
    [pending] = [i for i in invitations(gov) if i["senderAccountId"] == PRODUCER]
    assert pending["status"] == "PENDING" and pending["receiverAccountId"] == GOV
    gov.ram.accept_resource_share_invitation(resourceShareInvitationArn=pending["resourceShareInvitationArn"])

    gov.lf.grant_permissions(Principal=mine, Resource=resource, Permissions=["SELECT", "DESCRIBE"])
    # Columns of the table are covered by the grant option on the table.
    gov.lf.grant_permissions(Principal=mine, Permissions=["SELECT"], Resource={"TableWithColumns": {
        "CatalogId": PRODUCER, "DatabaseName": table[0], "Name": table[1], "ColumnNames": ["id"]}})
    listed = gov.lf.list_permissions(Principal=mine, Resource=resource)["PrincipalResourcePermissions"]
    assert sorted((list(p["Resource"]), p["Permissions"]) for p in listed) == [
        (["Table"], ["DESCRIBE", "SELECT"]), (["TableWithColumns"], ["SELECT"])]
    # Only what is held with the grant option.
    with pytest.raises(ClientError) as exc:
        gov.lf.grant_permissions(Principal=mine, Resource=resource, Permissions=["ALTER"])
    assert "ALTER" in denied(exc)
    # Still never to another account's principals.
    with pytest.raises(ClientError) as exc:
        gov.lf.grant_permissions(Principal=role(CONSUMER), Resource=resource, Permissions=["SELECT"])
    denied(exc)
    # Revoking what it granted is allowed; revoking on the owner's grants to others is not.
    gov.lf.revoke_permissions(Principal=mine, Resource=resource, Permissions=["DESCRIBE"])
    with pytest.raises(ClientError) as exc:
        gov.lf.revoke_permissions(Principal=role(CONSUMER), Resource=resource, Permissions=["SELECT"])
    denied(exc)


def test_an_owner_grant_to_another_account_sends_an_invitation(acct, table):
    producer, consumer = acct(PRODUCER), acct(CONSUMER)
    analyst = role(CONSUMER, "analyst")
    producer.lf.grant_permissions(Principal=analyst, Resource=producer_table(*table), Permissions=["SELECT"])
    producer.lf.grant_permissions(Principal=analyst, Resource={"Database": {"Name": table[0]}},
                                  Permissions=["DESCRIBE"])
    # One share from the producer to the consumer, reused; one invitation, pending.
    [inv] = invitations(consumer)
    assert inv["status"] == "PENDING"
    assert (inv["senderAccountId"], inv["receiverAccountId"]) == (PRODUCER, CONSUMER)
    assert inv["resourceShareName"].startswith(f"{PRODUCER}-{CONSUMER}-")
    assert invitations(consumer, resourceShareArns=[inv["resourceShareArn"]]) == [inv]
    assert invitations(consumer, resourceShareArns=["arn:aws:ram:us-east-1:1:resource-share/x"]) == []
    assert invitations(acct(PRODUCER)) == []  # the sender received none
    # What the invitation carries, before and after it is accepted.
    pending = {r["arn"] for r in consumer.ram.list_pending_invitation_resources(
        resourceShareInvitationArn=inv["resourceShareInvitationArn"])["resources"]}
    assert pending == {f"arn:aws:glue:us-east-1:{PRODUCER}:table/{table[0]}/{table[1]}",
                       f"arn:aws:glue:us-east-1:{PRODUCER}:database/{table[0]}"}
    with pytest.raises(ClientError) as exc:
        acct(PRODUCER).ram.list_pending_invitation_resources(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    assert exc.value.response["Error"]["Code"] == "ResourceShareInvitationArnNotFoundException"
    # Not usable by the consumer before it accepts.
    assert consumer.ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []

    accepted = consumer.ram.accept_resource_share_invitation(
        resourceShareInvitationArn=inv["resourceShareInvitationArn"], clientToken="t1")
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED" and accepted["clientToken"] == "t1"
    assert invitations(consumer)[0]["status"] == "ACCEPTED"
    with pytest.raises(ClientError) as exc:
        consumer.ram.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    assert exc.value.response["Error"]["Code"] == "ResourceShareInvitationAlreadyAcceptedException"
    with pytest.raises(ClientError) as exc:
        consumer.ram.accept_resource_share_invitation(
            resourceShareInvitationArn=inv["resourceShareInvitationArn"][:-4] + "0000")
    assert exc.value.response["Error"]["Code"] == "ResourceShareInvitationArnNotFoundException"
    with pytest.raises(ClientError) as exc:
        consumer.ram.accept_resource_share_invitation(resourceShareInvitationArn="not-an-arn")
    assert exc.value.response["Error"]["Code"] == "MalformedArnException"

    [shared] = consumer.ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
    assert shared["resourceShareArn"] == inv["resourceShareArn"] and shared["owningAccountId"] == PRODUCER
    assert inv["resourceShareArn"] in [
        s["resourceShareArn"] for s in producer.ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]]
    arns = {r["arn"] for r in producer.ram.list_resources(
        resourceOwner="SELF", resourceShareArns=[inv["resourceShareArn"]])["resources"]}
    assert arns == {f"arn:aws:glue:us-east-1:{PRODUCER}:table/{table[0]}/{table[1]}",
                    f"arn:aws:glue:us-east-1:{PRODUCER}:database/{table[0]}"}


def test_a_rejected_invitation_shares_nothing(acct, table):
    producer, other = acct(PRODUCER), acct("444444444444")
    producer.lf.grant_permissions(Principal=account_principal(other.id), Resource=producer_table(*table),
                                  Permissions=["SELECT"], PermissionsWithGrantOption=["SELECT"])
    [inv] = invitations(other)
    rejected = other.ram.reject_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    assert rejected["resourceShareInvitation"]["status"] == "REJECTED"
    with pytest.raises(ClientError) as exc:
        other.ram.list_pending_invitation_resources(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    assert exc.value.response["Error"]["Code"] == "ResourceShareInvitationAlreadyRejectedException"
    with pytest.raises(ClientError) as exc:
        other.lf.grant_permissions(Principal=role(other.id), Resource=producer_table(*table), Permissions=["SELECT"])
    denied(exc)
    # A later grant invites again.
    producer.lf.grant_permissions(Principal=account_principal(other.id), Resource=producer_table(*table),
                                  Permissions=["DESCRIBE"])
    assert [i["status"] for i in invitations(other)] == ["REJECTED", "PENDING"]


def test_accounts_of_one_organization_need_no_invitation(url, acct, table):
    producer, mate = acct(PRODUCER), acct("333333333333")
    status, body, _ = control(url, "POST", "/settings", {"organizations": [[PRODUCER, mate.id]]})
    assert status == 200 and body == {"enforce_ownership": True, "organizations": [[PRODUCER, mate.id]]}
    try:
        producer.lf.grant_permissions(Principal=account_principal(mate.id), Resource=producer_table(*table),
                                      Permissions=["SELECT"], PermissionsWithGrantOption=["SELECT"])
        assert invitations(mate) == []
        mate.lf.grant_permissions(Principal=role(mate.id), Resource=producer_table(*table), Permissions=["SELECT"])
        [shared] = mate.ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
        assert shared["owningAccountId"] == PRODUCER
    finally:
        control(url, "POST", "/settings", {"organizations": []})


def test_organizations_are_added_one_at_a_time(url):
    a, b, c, d = "510000000001", "510000000002", "510000000003", "510000000004"
    try:
        assert control(url, "POST", "/organizations", {"accounts": [a, b]})[0] == 201
        status, body, _ = control(url, "POST", "/organizations", {"accounts": [c, d]})
        assert status == 201 and body["organizations"] == [[a, b], [c, d]]
        # An account belongs to one organization at most.
        status, body, _ = control(url, "POST", "/organizations", {"accounts": [a]})
        assert status == 400 and "two organizations" in body["error"]
        assert control(url, "GET", "/settings")[1]["organizations"] == [[a, b], [c, d]]
    finally:
        control(url, "POST", "/settings", {"organizations": []})


def test_a_batch_fails_only_the_refused_entry(acct, table):
    gov = acct(GOV)
    db = uid("gov_db")
    gov.glue.create_database(DatabaseInput={"Name": db})
    mine = role(GOV)
    resp = gov.lf.batch_grant_permissions(Entries=[
        {"Id": "own", "Principal": mine, "Resource": {"Database": {"Name": db}}, "Permissions": ["DESCRIBE"]},
        {"Id": "foreign", "Principal": role(CONSUMER), "Resource": producer_table(*table), "Permissions": ["SELECT"]},
    ])
    assert [(f["RequestEntry"]["Id"], f["Error"]["ErrorCode"]) for f in resp["Failures"]] == [
        ("foreign", "AccessDeniedException")]
    assert resp["Failures"][0]["Error"]["ErrorMessage"].startswith("Insufficient Lake Formation permission(s)")
    assert [p["Principal"] for p in gov.lf.list_permissions(
        Resource={"Database": {"Name": db}})["PrincipalResourcePermissions"]] == [mine]
    resp = gov.lf.batch_revoke_permissions(Entries=[
        {"Id": "own", "Principal": mine, "Resource": {"Database": {"Name": db}}, "Permissions": ["DESCRIBE"]},
        {"Id": "foreign", "Principal": role(CONSUMER), "Resource": producer_table(*table), "Permissions": ["SELECT"]},
    ])
    assert [(f["RequestEntry"]["Id"], f["Error"]["ErrorCode"]) for f in resp["Failures"]] == [
        ("foreign", "AccessDeniedException")]


def test_a_data_cells_filter_on_another_accounts_table_needs_select_with_grant_option(acct, table):
    producer, other = acct(PRODUCER), acct("555555555555")
    data = {"TableCatalogId": PRODUCER, "DatabaseName": table[0], "TableName": table[1], "Name": uid("f"),
            "RowFilter": {"AllRowsWildcard": {}}, "ColumnWildcard": {}}
    with pytest.raises(ClientError) as exc:
        other.lf.create_data_cells_filter(TableData=data)
    denied(exc)
    # DESCRIBE with the grant option is not enough.
    producer.lf.grant_permissions(Principal=account_principal(other.id), Resource=producer_table(*table),
                                  Permissions=["DESCRIBE"], PermissionsWithGrantOption=["DESCRIBE"])
    [inv] = invitations(other)
    other.ram.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    with pytest.raises(ClientError) as exc:
        other.lf.create_data_cells_filter(TableData=data)
    assert "SELECT" in denied(exc)
    producer.lf.grant_permissions(Principal=account_principal(other.id), Resource=producer_table(*table),
                                  Permissions=["SELECT"], PermissionsWithGrantOption=["SELECT"])
    other.lf.create_data_cells_filter(TableData=data)
    # And it may grant on its filter to its own principals.
    ref = {k: data[k] for k in ("TableCatalogId", "DatabaseName", "TableName", "Name")}
    other.lf.grant_permissions(Principal=role(other.id), Resource={"DataCellsFilter": ref}, Permissions=["SELECT"])
    # The owner creates filters on its own table without any grant.
    producer.lf.create_data_cells_filter(TableData={**data, "Name": uid("own")})


def test_settings_default_on_and_the_permissive_behaviour_only_when_turned_off():
    with own_emulator() as endpoint:
        assert control(endpoint, "GET", "/settings")[1] == {"enforce_ownership": True, "organizations": []}
        lf = make_client(endpoint, "lakeformation")
        resource = {"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}}
        # Refused as AWS refuses it by default; accepted as moto accepts it when turned off.
        with pytest.raises(ClientError) as exc:
            lf.grant_permissions(Principal=role(CONSUMER), Resource=resource, Permissions=["SELECT"])
        denied(exc)
        for bad in ({"enforce_ownership": "yes"}, {"organizations": [["1234"]]}, {"nope": 1},
                    {"organizations": [[PRODUCER], [PRODUCER, CONSUMER]]}):
            status, body, _ = control(endpoint, "POST", "/settings", bad)
            assert status == 400 and body["error"], bad
        assert control(endpoint, "POST", "/settings", {"enforce_ownership": False})[1]["enforce_ownership"] is False
        # (The table must exist for the grant to be accepted: existence is checked either way.)
        producer = Account(endpoint, PRODUCER)
        producer.glue.create_database(DatabaseInput={"Name": "sales"})
        producer.glue.create_table(DatabaseName="sales", TableInput={"Name": "orders"})
        lf.grant_permissions(Principal=role(CONSUMER), Resource=resource, Permissions=["SELECT"])
        # The control API's reset restores the defaults.
        assert control(endpoint, "POST", "/reset")[0] == 200
        assert control(endpoint, "GET", "/settings")[1] == {"enforce_ownership": True, "organizations": []}
        with pytest.raises(ClientError) as exc:
            lf.grant_permissions(Principal=role(CONSUMER), Resource=resource, Permissions=["DESCRIBE"])
        denied(exc)


def test_ram_calls_are_logged_and_take_faults_in_restjson(url, acct):
    consumer = acct(CONSUMER)
    control(url, "POST", "/faults", {"service": "ram", "operation": "GetResourceShareInvitations",
                                     "error": "ServiceUnavailableException", "account": CONSUMER})
    with pytest.raises(ClientError) as exc:
        invitations(consumer)
    assert exc.value.response["Error"]["Code"] == "ServiceUnavailableException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    invitations(consumer)
    logged = control(url, "GET", "/calls?service=ram&operation=GetResourceShareInvitations")[1]["calls"]
    assert [(c["account"], c["status"], c["injected"]) for c in logged[-2:]] == [
        (CONSUMER, 503, "ServiceUnavailableException"), (CONSUMER, 200, None)]
