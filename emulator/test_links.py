"""Tests for Glue resource links: GetTable and GetTables follow them as AWS documents ("Resource
link handling in AWS Glue APIs"), with the ownership rules on (the default). An owner account holds
the databases and tables; a consumer account links to them.

They run against an emulator of their own, because one test changes its settings.
Run:  python -m pytest emulator/ -q     (needs emulator/requirements-test.txt)
"""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from test_emulator import control, own_emulator, uid
from test_ownership import Account, account_principal, invitations, role

OWNER = "111111111111"
CONSUMER = "222222222222"

COLUMNS = [{"Name": "id", "Type": "string"}, {"Name": "amount", "Type": "decimal(10,2)"}]
STORAGE = {"Columns": COLUMNS, "Location": "s3://owner-bucket/orders/",
           "InputFormat": "org.apache.hadoop.mapred.TextInputFormat"}


@pytest.fixture(scope="module")
def url():
    with own_emulator() as endpoint:
        assert control(endpoint, "GET", "/settings")[1]["enforce_ownership"] is True
        yield endpoint


@pytest.fixture(scope="module")
def owner(url):
    return Account(url, OWNER)


@pytest.fixture(scope="module")
def consumer(url):
    return Account(url, CONSUMER)


@pytest.fixture(scope="module")
def sales(owner, consumer):
    """The owner's database with a table shared with the consumer ("orders") and one not
    ("secrets"); the consumer has accepted the share. Returns the database's name."""
    db = uid("sales")
    owner.glue.create_database(DatabaseInput={"Name": db, "Description": "owner's sales"})
    for name in ("orders", "secrets"):
        owner.glue.create_table(DatabaseName=db, TableInput={
            "Name": name, "StorageDescriptor": STORAGE, "PartitionKeys": [{"Name": "day", "Type": "string"}],
            "TableType": "EXTERNAL_TABLE"})
    owner.lf.grant_permissions(Principal=account_principal(CONSUMER), Permissions=["SELECT", "DESCRIBE"],
                               Resource={"Table": {"DatabaseName": db, "Name": "orders"}})
    [pending] = [i for i in invitations(consumer) if i["senderAccountId"] == OWNER]
    consumer.ram.accept_resource_share_invitation(resourceShareInvitationArn=pending["resourceShareInvitationArn"])
    return db


def not_found(excinfo):
    err = excinfo.value.response
    assert err["Error"]["Code"] == "EntityNotFoundException", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err["Error"]["Message"]


def table_link(consumer, local_db, name, target):
    consumer.glue.create_table(DatabaseName=local_db, TableInput={"Name": name, "TargetTable": target})


def test_get_table_of_a_table_link_returns_the_targets_definition(owner, consumer, sales):
    local = uid("local")
    consumer.glue.create_database(DatabaseInput={"Name": local})
    target = {"CatalogId": OWNER, "DatabaseName": sales, "Name": "orders"}
    table_link(consumer, local, "orders_link", target)

    got = consumer.glue.get_table(DatabaseName=local, Name="orders_link")["Table"]
    # The link's name, database and catalog, TargetTable naming the target...
    assert (got["Name"], got["DatabaseName"], got["CatalogId"]) == ("orders_link", local, CONSUMER)
    assert got["TargetTable"] == target
    # ...and the target's definition.
    assert got["StorageDescriptor"]["Columns"] == COLUMNS
    assert got["StorageDescriptor"]["Location"] == STORAGE["Location"]
    assert got["PartitionKeys"] == [{"Name": "day", "Type": "string"}]
    assert got["TableType"] == "EXTERNAL_TABLE"

    # A change to the target shows through the link.
    owner.glue.update_table(DatabaseName=sales, TableInput={
        "Name": "orders", "StorageDescriptor": {**STORAGE, "Columns": COLUMNS + [{"Name": "note", "Type": "string"}]}})
    try:
        got = consumer.glue.get_table(DatabaseName=local, Name="orders_link")["Table"]
        assert [c["Name"] for c in got["StorageDescriptor"]["Columns"]] == ["id", "amount", "note"]
    finally:
        owner.glue.update_table(DatabaseName=sales, TableInput={
            "Name": "orders", "StorageDescriptor": STORAGE, "PartitionKeys": [{"Name": "day", "Type": "string"}],
            "TableType": "EXTERNAL_TABLE"})


def test_get_tables_of_a_local_database_follows_each_table_link(consumer, sales):
    local = uid("local")
    consumer.glue.create_database(DatabaseInput={"Name": local})
    consumer.glue.create_table(DatabaseName=local, TableInput={"Name": "mine", "StorageDescriptor": {
        "Columns": [{"Name": "x", "Type": "int"}]}})
    table_link(consumer, local, "orders_link", {"CatalogId": OWNER, "DatabaseName": sales, "Name": "orders"})

    tables = {t["Name"]: t for t in consumer.glue.get_tables(DatabaseName=local)["TableList"]}
    assert sorted(tables) == ["mine", "orders_link"]
    assert tables["mine"]["StorageDescriptor"]["Columns"] == [{"Name": "x", "Type": "int"}]
    assert tables["orders_link"]["StorageDescriptor"]["Columns"] == COLUMNS
    assert tables["orders_link"]["TargetTable"]["Name"] == "orders"
    assert tables["orders_link"]["DatabaseName"] == local


def test_a_database_link_gives_the_shared_tables_of_its_target(consumer, sales):
    link = uid("sales_link")
    consumer.glue.create_database(DatabaseInput={"Name": link, "TargetDatabase": {
        "CatalogId": OWNER, "DatabaseName": sales}})

    # GetDatabase returns the link with its TargetDatabase.
    got = consumer.glue.get_database(Name=link)["Database"]
    assert got["Name"] == link and got["CatalogId"] == CONSUMER
    assert got["TargetDatabase"] == {"CatalogId": OWNER, "DatabaseName": sales}

    # GetTables: the target database's tables shared with the consumer, as the owner has them.
    listed = consumer.glue.get_tables(DatabaseName=link)["TableList"]
    assert [(t["Name"], t["DatabaseName"], t["CatalogId"]) for t in listed] == [("orders", sales, OWNER)]
    assert listed[0]["StorageDescriptor"]["Columns"] == COLUMNS
    # Expression and paging apply to the target's tables.
    assert consumer.glue.get_tables(DatabaseName=link, Expression="nope.*")["TableList"] == []
    page = consumer.glue.get_tables(DatabaseName=link, MaxResults=1)
    assert [t["Name"] for t in page["TableList"]] == ["orders"] and "NextToken" not in page

    # GetTable through the database link: the shared table; the other one is not found.
    got = consumer.glue.get_table(DatabaseName=link, Name="orders")["Table"]
    assert (got["Name"], got["DatabaseName"], got["CatalogId"]) == ("orders", sales, OWNER)
    for name in ("secrets", "missing"):
        with pytest.raises(ClientError) as exc:
            consumer.glue.get_table(DatabaseName=link, Name=name)
        not_found(exc)


def test_a_table_wildcard_grant_shares_every_table_through_the_link(owner, consumer):
    db = uid("wide")
    owner.glue.create_database(DatabaseInput={"Name": db})
    for name in ("a", "b"):
        owner.glue.create_table(DatabaseName=db, TableInput={"Name": name, "StorageDescriptor": STORAGE})
    link = uid("wide_link")
    consumer.glue.create_database(DatabaseInput={"Name": link, "TargetDatabase": {"CatalogId": OWNER, "DatabaseName": db}})
    assert consumer.glue.get_tables(DatabaseName=link)["TableList"] == []
    owner.lf.grant_permissions(Principal=account_principal(CONSUMER), Permissions=["SELECT"],
                               Resource={"Table": {"DatabaseName": db, "TableWildcard": {}}})
    assert [t["Name"] for t in consumer.glue.get_tables(DatabaseName=link)["TableList"]] == ["a", "b"]


def test_links_whose_target_is_missing_or_not_shared(consumer, sales):
    local = uid("local")
    consumer.glue.create_database(DatabaseInput={"Name": local})
    table_link(consumer, local, "gone", {"CatalogId": OWNER, "DatabaseName": sales, "Name": "no_such_table"})
    table_link(consumer, local, "hidden", {"CatalogId": OWNER, "DatabaseName": sales, "Name": "secrets"})
    for name in ("gone", "hidden"):
        with pytest.raises(ClientError) as exc:
            consumer.glue.get_table(DatabaseName=local, Name=name)
        not_found(exc)
    # GetTables lists such links as they are stored.
    listed = {t["Name"]: t for t in consumer.glue.get_tables(DatabaseName=local)["TableList"]}
    assert sorted(listed) == ["gone", "hidden"]
    assert "StorageDescriptor" not in listed["hidden"] and listed["hidden"]["TargetTable"]["Name"] == "secrets"

    # A database link to a database that does not exist.
    dangling = uid("dangling")
    consumer.glue.create_database(DatabaseInput={"Name": dangling, "TargetDatabase": {
        "CatalogId": OWNER, "DatabaseName": uid("no_such_db")}})
    assert consumer.glue.get_database(Name=dangling)["Database"]["TargetDatabase"]["CatalogId"] == OWNER
    with pytest.raises(ClientError) as exc:
        consumer.glue.get_tables(DatabaseName=dangling)
    not_found(exc)
    with pytest.raises(ClientError) as exc:
        consumer.glue.get_table(DatabaseName=dangling, Name="orders")
    not_found(exc)


def test_links_in_the_callers_own_catalog_need_no_grant(consumer):
    db, link_db, local = uid("own"), uid("own_link"), uid("local")
    consumer.glue.create_database(DatabaseInput={"Name": db})
    consumer.glue.create_table(DatabaseName=db, TableInput={"Name": "t", "StorageDescriptor": STORAGE})
    consumer.glue.create_database(DatabaseInput={"Name": link_db, "TargetDatabase": {"DatabaseName": db}})
    consumer.glue.create_database(DatabaseInput={"Name": local})
    table_link(consumer, local, "t_link", {"DatabaseName": db, "Name": "t"})
    assert [t["Name"] for t in consumer.glue.get_tables(DatabaseName=link_db)["TableList"]] == ["t"]
    assert consumer.glue.get_table(DatabaseName=local, Name="t_link")["Table"]["StorageDescriptor"]["Columns"] == COLUMNS


def test_grants_on_a_link_are_its_own_and_granted_by_the_linking_account(owner, consumer, sales):
    link_db, local = uid("link_db"), uid("local")
    consumer.glue.create_database(DatabaseInput={"Name": link_db, "TargetDatabase": {
        "CatalogId": OWNER, "DatabaseName": sales}})
    consumer.glue.create_database(DatabaseInput={"Name": local})
    table_link(consumer, local, "orders_link", {"CatalogId": OWNER, "DatabaseName": sales, "Name": "orders"})

    # A link is a resource of the account that made it ("Granting resource link permissions"):
    # granting on it needs no grant option on its target, and grants nothing on the target.
    analyst = role(CONSUMER, "link-reader")
    consumer.lf.grant_permissions(Principal=analyst, Resource={"Database": {"Name": link_db}}, Permissions=["DESCRIBE"])
    link_table = {"Table": {"DatabaseName": local, "Name": "orders_link"}}
    consumer.lf.grant_permissions(Principal=analyst, Resource=link_table, Permissions=["DESCRIBE"])
    assert [p["Principal"] for p in consumer.lf.list_permissions(
        Resource={"Database": {"Name": link_db}})["PrincipalResourcePermissions"]] == [analyst]
    assert [p["Principal"] for p in consumer.lf.list_permissions(
        Resource=link_table)["PrincipalResourcePermissions"]] == [analyst]
    on_target = owner.lf.list_permissions(
        Resource={"Table": {"DatabaseName": sales, "Name": "orders"}})["PrincipalResourcePermissions"]
    assert analyst not in [p["Principal"] for p in on_target]
    # Granting on the target follows the existing rules: the consumer holds no grant option there.
    with pytest.raises(ClientError) as exc:
        consumer.lf.grant_permissions(Principal=analyst, Permissions=["SELECT"], Resource={
            "Table": {"CatalogId": OWNER, "DatabaseName": sales, "Name": "orders"}})
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    consumer.lf.revoke_permissions(Principal=analyst, Resource={"Database": {"Name": link_db}}, Permissions=["DESCRIBE"])


def test_a_role_reads_through_a_link_only_with_permissions_on_both_link_and_target(url, owner, consumer, sales):
    link = uid("sales_link")
    consumer.glue.create_database(DatabaseInput={"Name": link, "TargetDatabase": {
        "CatalogId": OWNER, "DatabaseName": sales}})
    name = uid("analyst")
    analyst = role(CONSUMER, name)
    glue = consumer.as_role(url, name)
    target = {"Table": {"CatalogId": OWNER, "DatabaseName": sales, "Name": "orders"}}
    on_link = {"Database": {"Name": link}}

    def reads():
        try:
            got = glue.get_table(DatabaseName=link, Name="orders")["Table"]
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "EntityNotFoundException", exc.response
            return False
        assert got["Name"] == "orders" and got["CatalogId"] == OWNER
        return True

    def listed():
        return [t["Name"] for t in glue.get_tables(DatabaseName=link)["TableList"]]

    # The account holds the share (granted to the account, accepted), but the role holds nothing.
    assert not reads() and listed() == []
    # SELECT on the target alone is not enough: no DESCRIBE on the link.
    owner.lf.grant_permissions(Principal=analyst, Resource=target, Permissions=["SELECT"])
    assert not reads() and listed() == []
    # Both: readable, and only the table granted is listed.
    consumer.lf.grant_permissions(Principal=analyst, Resource=on_link, Permissions=["DESCRIBE"])
    assert reads() and listed() == ["orders"]
    # The owner revokes: gone again, although DESCRIBE on the link stays.
    owner.lf.revoke_permissions(Principal=analyst, Resource=target, Permissions=["SELECT"])
    assert not reads() and listed() == []
    # Granted to the account by the owner and re-granted to the role by the account: readable.
    owner.lf.grant_permissions(Principal=account_principal(CONSUMER), Resource=target, Permissions=["SELECT"],
                               PermissionsWithGrantOption=["SELECT"])
    consumer.lf.grant_permissions(Principal=analyst, Resource=target, Permissions=["SELECT"])
    assert reads()
    # The account's administrator reads through the link without grants of its own.
    assert consumer.glue.get_table(DatabaseName=link, Name="orders")["Table"]["Name"] == "orders"


def test_with_ownership_off_links_are_followed_without_grants(url, consumer, sales):
    local = uid("local")
    consumer.glue.create_database(DatabaseInput={"Name": local})
    table_link(consumer, local, "hidden", {"CatalogId": OWNER, "DatabaseName": sales, "Name": "secrets"})
    assert control(url, "POST", "/settings", {"enforce_ownership": False})[0] == 200
    try:
        got = consumer.glue.get_table(DatabaseName=local, Name="hidden")["Table"]
        assert got["StorageDescriptor"]["Columns"] == COLUMNS
    finally:
        assert control(url, "POST", "/settings", {"enforce_ownership": True})[0] == 200
    with pytest.raises(ClientError) as exc:
        consumer.glue.get_table(DatabaseName=local, Name="hidden")
    not_found(exc)
