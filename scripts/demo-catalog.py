"""Fills the producers' Glue catalogs of the demo mesh in the AWS emulator.

Run by scripts/demo.sh with the emulator's venv (boto3):  python demo-catalog.py ENDPOINT_URL
To route the producers' Glue Data Catalog events to a queue of the governance account, as the
deploy/cloudformation stacks' EventBridge rules do (prints the queue's URL):
    python demo-catalog.py ENDPOINT_URL catalog-events
To play a producer changing its catalog (meshgov, reading that queue, syncs the product within
seconds; read its schema-changes):
    python demo-catalog.py ENDPOINT_URL add-column DOMAIN DATABASE TABLE COLUMN TYPE
    python demo-catalog.py ENDPOINT_URL drop-column DOMAIN DATABASE TABLE COLUMN
to see what Lake Formation grants a principal:
    python demo-catalog.py ENDPOINT_URL list-permissions PRINCIPAL_ARN
to record that an engine read a table of the governance account for a principal (the GetDataAccess
event Lake Formation writes to CloudTrail, put on meshgov's queue as the governance stack's rule does):
    python demo-catalog.py ENDPOINT_URL record-access PRINCIPAL_ARN DATABASE TABLE [athena|glue_etl] [HOURS_AGO]
and to read a table through a consumer's resource link with a role's own credentials:
    python demo-catalog.py ENDPOINT_URL read-through-link ROLE_ARN LINK_DATABASE TABLE
Each domain's tables are created in that domain's own account (the emulator maps credentials
from sts:AssumeRole into arn:aws:iam::ACCOUNT:role/... to ACCOUNT), so that meshgov's catalog
sync, which assumes the domain's sync role, finds what the demo's data products declare.
Idempotent: what exists already is left as it is.
"""

import sys

import boto3
from botocore.exceptions import ClientError

S3 = "s3://cpg-{domain}-lake/{database}/{table}/"

# domain -> (account, {database: {table: (columns, partition keys)}})
CATALOGS = {
    "sales": ("111122223333", {
        "sales_curated": {
            "sell_out_daily": (
                [("sku", "string"), ("store_id", "string"), ("retailer", "string"), ("units", "bigint"),
                 ("net_value", "decimal(18,2)"), ("currency", "string")],
                [("sale_date", "date")],
            ),
            "sku_dim": (
                [("sku", "string"), ("ean", "string"), ("brand", "string"), ("category", "string"),
                 ("pack_size", "string"), ("launch_date", "date")],
                [],
            ),
            "order_header": (
                [("order_id", "string"), ("customer_id", "string"), ("order_ts", "timestamp"),
                 ("requested_delivery_date", "date"), ("channel", "string"), ("status", "string")],
                [("order_month", "string")],
            ),
            "order_line": (
                [("order_id", "string"), ("line_no", "int"), ("sku", "string"), ("requested_qty", "int"),
                 ("confirmed_qty", "int"), ("list_price", "decimal(18,2)"), ("discount", "decimal(18,2)")],
                [("order_month", "string")],
            ),
        },
        "sales_forecast": {
            "weekly_forecast": (
                [("sku", "string"), ("customer_id", "string"), ("week", "string"), ("forecast_units", "double"),
                 ("model_version", "string")],
                [("run_date", "date")],
            ),
        },
    }),
    "supply-chain": ("222233334444", {
        "scm_curated": {
            "inventory_snapshot": (
                [("sku", "string"), ("location_id", "string"), ("on_hand", "bigint"), ("in_transit", "bigint"),
                 ("allocated", "bigint"), ("snapshot_ts", "timestamp")],
                [("snapshot_date", "date")],
            ),
            "location_dim": (
                [("location_id", "string"), ("type", "string"), ("name", "string"), ("country", "string"),
                 ("latitude", "double"), ("longitude", "double")],
                [],
            ),
            "shipment": (
                [("shipment_id", "string"), ("origin_id", "string"), ("customer_id", "string"), ("carrier", "string"),
                 ("pallets", "int"), ("planned_delivery_ts", "timestamp"), ("actual_delivery_ts", "timestamp")],
                [("ship_date", "date")],
            ),
            "shipment_line": (
                [("shipment_id", "string"), ("order_id", "string"), ("sku", "string"), ("quantity", "int")],
                [("ship_date", "date")],
            ),
        },
        "scm_legacy": {
            "supplier_scorecard": (
                [("supplier_id", "string"), ("month", "string"), ("quality_score", "double"),
                 ("on_time_rate", "double"), ("in_full_rate", "double")],
                [],
            ),
        },
    }),
    "marketing": ("333344445555", {
        "mkt_curated": {
            "campaign_daily": (
                [("campaign_id", "string"), ("brand", "string"), ("channel", "string"), ("impressions", "bigint"),
                 ("clicks", "bigint"), ("spend", "decimal(18,2)"), ("attributed_sales", "decimal(18,2)")],
                [("day", "date")],
            ),
        },
        "mkt_panel": {
            "panel_purchases": (
                [("household_id", "string"), ("category", "string"), ("brand", "string"), ("units", "int"),
                 ("value", "decimal(18,2)"), ("retailer", "string")],
                [("purchase_week", "string")],
            ),
            "household_dim": (
                [("household_id", "string"), ("region", "string"), ("size", "int"), ("income_band", "string"),
                 ("life_stage", "string")],
                [],
            ),
        },
    }),
    "retail-pos": ("444455556666", {
        "pos_raw": {
            "transactions": (
                [("receipt_id", "string"), ("store_id", "string"), ("ts", "timestamp"), ("basket_value", "decimal(18,2)"),
                 ("loyalty_card", "boolean")],
                [("retailer", "string"), ("sale_date", "date")],
            ),
            "transaction_lines": (
                [("receipt_id", "string"), ("line_no", "int"), ("ean", "string"), ("quantity", "int"),
                 ("unit_price", "decimal(18,2)"), ("promo_flag", "boolean")],
                [("retailer", "string"), ("sale_date", "date")],
            ),
        },
        "pos_reference": {
            "stores": (
                [("store_id", "string"), ("retailer", "string"), ("banner", "string"), ("format", "string"),
                 ("address", "string"), ("sales_area_m2", "int"), ("opening_hours", "string")],
                [],
            ),
        },
    }),
}


def glue_in(endpoint: str, account: str):
    base = dict(endpoint_url=endpoint, region_name="us-east-1",
                aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = boto3.client("sts", **base).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/producer-admin", RoleSessionName="meshgov-demo")["Credentials"]
    return boto3.client("glue", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def exists_ok(call, **kwargs) -> bool:
    try:
        call(**kwargs)
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] == "AlreadyExistsException":
            return False
        raise


GOVERNANCE_ACCOUNT = "123456789012"  # the emulator's default account: meshgov's in the demo
EVENTS_QUEUE = "meshgov-catalog-events"


def catalog_events(endpoint: str) -> None:
    """The governance account's queue of catalog events, and the emulator's route from every demo
    producer account to it (EventBridge's part, which the emulator plays); prints the queue URL."""
    import json
    import urllib.request

    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    url = sqs.create_queue(QueueName=EVENTS_QUEUE)["QueueUrl"]
    route = {"queue_url": url, "accounts": sorted({account for account, _ in CATALOGS.values()})}
    request = urllib.request.Request(f"{endpoint}/_emulator/catalog-events", data=json.dumps(route).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
    print(url)


def set_columns(endpoint: str, domain: str, database: str, table: str, change) -> None:
    """UpdateTable with the columns `change` makes of the current ones."""
    glue = glue_in(endpoint, CATALOGS[domain][0])
    current = glue.get_table(DatabaseName=database, Name=table)["Table"]
    sd = current["StorageDescriptor"]
    glue.update_table(DatabaseName=database, TableInput={
        "Name": table,
        "TableType": current.get("TableType", "EXTERNAL_TABLE"),
        "Parameters": current.get("Parameters", {}),
        "StorageDescriptor": {**{k: v for k, v in sd.items() if k != "Columns"}, "Columns": change(sd["Columns"])},
        "PartitionKeys": current.get("PartitionKeys", []),
    })


def drop_column(endpoint: str, domain: str, database: str, table: str, column: str) -> None:
    """What a producer does when it removes a column: UpdateTable without it."""
    def without(columns):
        kept = [c for c in columns if c["Name"] != column]
        if len(kept) == len(columns):
            sys.exit(f"{database}.{table} has no column {column!r}")
        return kept
    set_columns(endpoint, domain, database, table, without)
    print(f"dropped column {column} from {database}.{table} in {domain}'s account {CATALOGS[domain][0]}",
          file=sys.stderr)


def add_column(endpoint: str, domain: str, database: str, table: str, column: str, type_: str) -> None:
    """What a producer does when it adds a column: UpdateTable with it at the end."""
    def with_it(columns):
        if any(c["Name"] == column for c in columns):
            sys.exit(f"{database}.{table} has a column {column!r} already")
        return columns + [{"Name": column, "Type": type_}]
    set_columns(endpoint, domain, database, table, with_it)
    print(f"added column {column} {type_} to {database}.{table} in {domain}'s account {CATALOGS[domain][0]}",
          file=sys.stderr)


def lakeformation_in(endpoint: str, account: str | None):
    """Lake Formation of ACCOUNT (a producer's, in producer mode), or of the governance account."""
    if account is None:
        return boto3.client("lakeformation", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/demo-admin", RoleSessionName="demo")["Credentials"]
    return boto3.client("lakeformation", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def list_permissions(endpoint: str, principal: str, account: str | None = None) -> None:
    """What Lake Formation grants PRINCIPAL, as JSON: in the governance account (central mode), or
    in ACCOUNT (a producer-mode domain's)."""
    import json
    lf = lakeformation_in(endpoint, account)
    # Lake Formation wants a resource with a principal filter: list everything, keep the principal's.
    entries, token = [], None
    while True:
        page = lf.list_permissions(**({"NextToken": token} if token else {}))
        entries += [e for e in page["PrincipalResourcePermissions"]
                    if e["Principal"]["DataLakePrincipalIdentifier"] == principal]
        token = page.get("NextToken")
        if not token:
            break
    print(json.dumps([{"resource": e["Resource"], "permissions": e["Permissions"]} for e in entries], indent=1))


def revoke_by_hand(endpoint: str, database: str, table: str, principal: str) -> None:
    """Revokes PRINCIPAL's grant on a table of the governance account's catalog (a central-mode
    mirror) directly in Lake Formation, behind meshgov's back, as someone in the console would: the
    drift report then lists it as missing."""
    lf = lakeformation_in(endpoint, None)
    resource = {"Table": {"DatabaseName": database, "Name": table}}
    lf.revoke_permissions(Principal={"DataLakePrincipalIdentifier": principal}, Resource=resource,
                          Permissions=["SELECT", "DESCRIBE"])
    print(f"revoked SELECT, DESCRIBE on {database}.{table} from {principal} in Lake Formation", file=sys.stderr)


def read_through_link(endpoint: str, role: str, database: str, table: str) -> None:
    """GetTable through the resource link DATABASE with ROLE's own credentials (assumed from the
    role's account): what Athena does before it reads. Exits 1 when the role may not read it."""
    account = role.split(":")[4]
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=role, RoleSessionName="demo")["Credentials"]
    glue = boto3.client("glue", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])
    try:
        got = glue.get_table(DatabaseName=database, Name=table)["Table"]
    except ClientError as err:
        print(f"GetTable {database}.{table} in account {account} as {role}: {err.response['Error']['Code']}")
        sys.exit(1)
    print(f"GetTable {database}.{table} in account {account} as {role}: OK, the table of account "
          f"{got.get('CatalogId')} with {len(got['StorageDescriptor']['Columns'])} columns")


def record_access(endpoint: str, principal: str, database: str, table: str, engine: str = "athena",
                  hours_ago: str = "1") -> None:
    """What Lake Formation records when an engine reads DATABASE.TABLE of the governance account
    for PRINCIPAL (a CloudTrail GetDataAccess event, as the governance stack's rule puts it on
    meshgov's queue): meshgov counts it as a use of the subscriptions whose grants cover it."""
    import datetime
    import json
    import uuid
    at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=float(hours_ago)))
    at = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The shape of the Lake Formation best practices' Athena sample; Glue ETL names itself by its
    # platform in the audit context.
    context = ("{queryId: " + str(uuid.uuid4()) + "}" if engine == "athena"
               else json.dumps({"platformType": engine.upper(), "jobIdentifier": f"demo-{uuid.uuid4()}"}))
    requester = "ATHENA" if engine == "athena" else "UNKNOWN"
    caller = "athena.amazonaws.com" if engine == "athena" else "glue.amazonaws.com"
    detail = {
        "eventVersion": "1.11",
        "userIdentity": {"type": "AWSAccount", "principalId": "AROAEXAMPLEDEMO:demo", "accountId": principal.split(":")[4]},
        "eventTime": at, "eventSource": "lakeformation.amazonaws.com", "eventName": "GetDataAccess",
        "awsRegion": "us-east-1", "sourceIPAddress": caller, "userAgent": caller,
        "requestParameters": {
            "tableArn": f"arn:aws:glue:us-east-1:{GOVERNANCE_ACCOUNT}:table/{database}/{table}",
            "permissions": ["SELECT"], "auditContext": {"additionalAuditContext": context},
        },
        "responseElements": None,
        "additionalEventData": {"requesterService": requester, "lakeFormationPrincipal": principal,
                                "lakeFormationRoleSessionName": f"AWSLF-00-AT-{principal.split(':')[4]}-DEMO"},
        "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": True,
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": GOVERNANCE_ACCOUNT,
        "eventCategory": "Management",
    }
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "AWS API Call via CloudTrail",
             "source": "aws.lakeformation", "account": GOVERNANCE_ACCOUNT, "time": at, "region": "us-east-1",
             "resources": [], "detail": detail}
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    url = sqs.get_queue_url(QueueName=EVENTS_QUEUE)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    print(f"{engine} read {database}.{table} as {principal} {hours_ago} h ago (GetDataAccess)", file=sys.stderr)


def main() -> None:
    endpoint = sys.argv[1]
    if sys.argv[2:3] == ["record-access"]:
        record_access(endpoint, *sys.argv[3:8])
        return
    if sys.argv[2:3] == ["read-through-link"]:
        read_through_link(endpoint, *sys.argv[3:6])
        return
    if sys.argv[2:3] == ["list-permissions"]:
        list_permissions(endpoint, sys.argv[3], *sys.argv[4:5])
        return
    if sys.argv[2:3] == ["revoke-by-hand"]:
        revoke_by_hand(endpoint, *sys.argv[3:6])
        return
    if sys.argv[2:3] == ["drop-column"]:
        drop_column(endpoint, *sys.argv[3:7])
        return
    if sys.argv[2:3] == ["add-column"]:
        add_column(endpoint, *sys.argv[3:8])
        return
    if sys.argv[2:3] == ["catalog-events"]:
        catalog_events(endpoint)
        return
    created = 0
    for domain, (account, databases) in CATALOGS.items():
        glue = glue_in(endpoint, account)
        for database, tables in databases.items():
            created += exists_ok(glue.create_database, DatabaseInput={"Name": database})
            for table, (columns, partitions) in tables.items():
                created += exists_ok(glue.create_table, DatabaseName=database, TableInput={
                    "Name": table,
                    "TableType": "EXTERNAL_TABLE",
                    "Parameters": {"classification": "parquet"},
                    "StorageDescriptor": {
                        "Columns": [{"Name": n, "Type": t} for n, t in columns],
                        "Location": S3.format(domain=domain, database=database, table=table),
                        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                        "SerdeInfo": {"SerializationLibrary":
                                      "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
                    },
                    "PartitionKeys": [{"Name": n, "Type": t} for n, t in partitions],
                })
    print(f"demo Glue catalogs: {created} databases and tables created", file=sys.stderr)


if __name__ == "__main__":
    main()
