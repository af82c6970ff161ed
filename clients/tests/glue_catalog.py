"""Creates a producer's Glue database and tables in the AWS emulator, for the clients' flow tests.

Run with the emulator's venv (boto3):
    python glue_catalog.py ENDPOINT_URL ACCOUNT DATABASE TABLE...
The tables are created in ACCOUNT's own catalog: the emulator maps credentials from
sts:AssumeRole into arn:aws:iam::ACCOUNT:role/... to ACCOUNT (as scripts/demo-catalog.py does),
so that meshgov's sync, which assumes the domain's sync role there, finds them. Each table gets the
columns id, region, amount and the partition key day. Idempotent.
"""

import sys

import boto3
from botocore.exceptions import ClientError

COLUMNS = [("id", "string"), ("region", "string"), ("amount", "double")]
PARTITIONS = [("day", "date")]


def glue_in(endpoint: str, account: str):
    base = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    creds = boto3.client("sts", **base).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/producer-admin", RoleSessionName="meshgov-clients-flow"
    )["Credentials"]
    return boto3.client(
        "glue",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def create(call, **kwargs) -> None:
    try:
        call(**kwargs)
    except ClientError as e:
        if e.response["Error"]["Code"] != "AlreadyExistsException":
            raise


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit("usage: glue_catalog.py ENDPOINT_URL ACCOUNT DATABASE TABLE...")
    endpoint, account, database, tables = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    glue = glue_in(endpoint, account)
    create(glue.create_database, DatabaseInput={"Name": database})
    for table in tables:
        create(
            glue.create_table,
            DatabaseName=database,
            TableInput={
                "Name": table,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "parquet"},
                "StorageDescriptor": {
                    "Columns": [{"Name": n, "Type": t} for n, t in COLUMNS],
                    "Location": f"s3://meshgov-clients-flow-{account}/{database}/{table}/",
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    "SerdeInfo": {
                        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                    },
                },
                "PartitionKeys": [{"Name": n, "Type": t} for n, t in PARTITIONS],
            },
        )
    print(f"Glue catalog of {account}: {database} with {', '.join(tables)}", file=sys.stderr)


if __name__ == "__main__":
    main()
