"""Tests for existence.py: Lake Formation grants only on what is in the Data Catalog, and a
deleted table or database takes its permissions (and data cells filters) along.

Run:  python -m pytest emulator/ -q     (needs emulator/requirements-test.txt)
"""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from test_emulator import (  # noqa: F401  (fixtures)
    DEFAULT_ACCOUNT, clean, endpoint, error_code, glue, lf, new_db, new_table, principal, uid)


def not_found(excinfo):
    err = excinfo.value.response
    assert err["Error"]["Code"] == "EntityNotFoundException", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err["Error"]["Message"]


def held(lf, resource):
    return lf.list_permissions(Resource=resource)["PrincipalResourcePermissions"]


def of(lf, p):
    """Every permission of principal `p` (listed whole, then picked)."""
    return [e for e in lf.list_permissions()["PrincipalResourcePermissions"] if e["Principal"] == p]


def test_a_grant_or_revoke_on_what_does_not_exist_is_entity_not_found(glue, lf):
    db, table = new_table(glue)
    missing_db = {"Database": {"Name": uid("nodb")}}
    missing_table = {"Table": {"DatabaseName": db, "Name": uid("notable")}}
    missing_columns = {"TableWithColumns": {"DatabaseName": db, "Name": uid("notable"), "ColumnNames": ["id"]}}
    for resource in (missing_db, missing_table, missing_columns):
        with pytest.raises(ClientError) as exc:
            lf.grant_permissions(Principal=principal(), Resource=resource, Permissions=["SELECT"])
        assert "not found" in not_found(exc)
        with pytest.raises(ClientError) as exc:
            lf.revoke_permissions(Principal=principal(), Resource=resource, Permissions=["SELECT"])
        not_found(exc)
    # A table wildcard needs only its database.
    lf.grant_permissions(Principal=principal(), Resource={"Table": {"DatabaseName": db, "TableWildcard": {}}},
                         Permissions=["SELECT"])
    # In a batch, each entry on a missing resource fails alone with the same code; the rest is done.
    p = principal()
    resp = lf.batch_grant_permissions(Entries=[
        {"Id": "ok", "Principal": p, "Resource": {"Table": {"DatabaseName": db, "Name": table}}, "Permissions": ["SELECT"]},
        {"Id": "gone", "Principal": p, "Resource": missing_table, "Permissions": ["SELECT"]},
    ])
    assert [(f["RequestEntry"]["Id"], f["Error"]["ErrorCode"]) for f in resp["Failures"]] == [
        ("gone", "EntityNotFoundException")]
    assert len(held(lf, {"Table": {"DatabaseName": db, "Name": table}})) == 1
    resp = lf.batch_revoke_permissions(Entries=[
        {"Id": "gone", "Principal": p, "Resource": missing_table, "Permissions": ["SELECT"]}])
    assert [f["Error"]["ErrorCode"] for f in resp["Failures"]] == ["EntityNotFoundException"]


def test_a_data_cells_filter_needs_its_table(glue, lf):
    db = new_db(glue)
    with pytest.raises(ClientError) as exc:
        lf.create_data_cells_filter(TableData={
            "TableCatalogId": DEFAULT_ACCOUNT, "DatabaseName": db, "TableName": "nope", "Name": "f",
            "RowFilter": {"AllRowsWildcard": {}}, "ColumnWildcard": {}})
    not_found(exc)


def test_deleting_a_table_takes_its_permissions_and_filters_along(glue, lf):
    db, table = new_table(glue)
    _, other = new_table(glue, db=db)
    p = principal()
    on_db = {"Database": {"Name": db}}
    on_table = {"Table": {"DatabaseName": db, "Name": table}}
    on_columns = {"TableWithColumns": {"DatabaseName": db, "Name": table, "ColumnNames": ["id"]}}
    on_other = {"Table": {"DatabaseName": db, "Name": other}}
    ref = {"TableCatalogId": DEFAULT_ACCOUNT, "DatabaseName": db, "TableName": table, "Name": "eu"}
    lf.create_data_cells_filter(TableData={**ref, "RowFilter": {"FilterExpression": "region = 'eu'"}, "ColumnWildcard": {}})
    for resource in (on_db, on_table, on_columns, on_other, {"DataCellsFilter": ref}):
        lf.grant_permissions(Principal=p, Resource=resource, Permissions=["SELECT"] if "Database" not in resource else ["DESCRIBE"])

    glue.delete_table(DatabaseName=db, Name=table)
    assert held(lf, on_table) == [], "neither the table grant nor the column grant is listed"
    everything = of(lf, p)
    assert sorted(str(e["Resource"]) for e in everything) == sorted(str(r) for r in (on_db, on_other)), everything
    with pytest.raises(ClientError) as exc:
        lf.get_data_cells_filter(**ref)
    not_found(exc)
    # Revoking what went with the table: the table is not found.
    with pytest.raises(ClientError) as exc:
        lf.revoke_permissions(Principal=p, Resource=on_table, Permissions=["SELECT"])
    not_found(exc)
    # A table made again under the same name starts with no permissions.
    glue.create_table(DatabaseName=db, TableInput={"Name": table})
    assert held(lf, on_table) == []


def test_deleting_a_database_takes_the_permissions_on_it_and_its_tables_along(glue, lf):
    db, table = new_table(glue)
    p = principal()
    lf.grant_permissions(Principal=p, Resource={"Database": {"Name": db}}, Permissions=["DESCRIBE"])
    lf.grant_permissions(Principal=p, Resource={"Table": {"DatabaseName": db, "Name": table}}, Permissions=["SELECT"])
    lf.grant_permissions(Principal=p, Resource={"Table": {"DatabaseName": db, "TableWildcard": {}}}, Permissions=["SELECT"])
    kept_db, kept_table = new_table(glue)
    lf.grant_permissions(Principal=p, Resource={"Table": {"DatabaseName": kept_db, "Name": kept_table}}, Permissions=["SELECT"])

    glue.delete_database(Name=db)
    left = of(lf, p)
    assert [e["Resource"]["Table"]["DatabaseName"] for e in left] == [kept_db], left
    with pytest.raises(ClientError) as exc:
        lf.revoke_permissions(Principal=p, Resource={"Database": {"Name": db}}, Permissions=["DESCRIBE"])
    not_found(exc)


def test_batch_delete_table_takes_the_permissions_of_each_table_along(glue, lf):
    db, first = new_table(glue)
    _, second = new_table(glue, db=db)
    p = principal()
    for t in (first, second):
        lf.grant_permissions(Principal=p, Resource={"Table": {"DatabaseName": db, "Name": t}}, Permissions=["SELECT"])
    glue.batch_delete_table(DatabaseName=db, TablesToDelete=[first, second])
    assert of(lf, p) == []
