"""A user's flow through the generated Python client (meshgov_client), against a running meshgov
and the AWS emulator. Run by `scripts/clients.sh flow BASE_URL`, which picks fresh names and
accounts, mints the tokens and passes everything in the environment:

  MESHGOV_URL                      the service, e.g. http://127.0.0.1:8080
  MESHGOV_FLOW_TOKEN_{ADMIN,STEWARD,PRODUCER,CONSUMER}
  MESHGOV_FLOW_PRODUCER_DOMAIN     slug; the producer token is for it
  MESHGOV_FLOW_CONSUMER_DOMAIN     slug; the consumer token is for it
  MESHGOV_FLOW_PRODUCER_ACCOUNT    fresh 12-digit AWS account ids
  MESHGOV_FLOW_CONSUMER_ACCOUNT
  EMULATOR_URL, EMULATOR_PYTHON    the emulator and a Python with boto3 (for glue_catalog.py)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
from meshgov_client import AuthenticatedClient
from meshgov_client.api.audit import list_audit
from meshgov_client.api.catalog_sync import sync_product
from meshgov_client.api.domains import create_domain
from meshgov_client.api.events import list_events
from meshgov_client.api.jobs import get_job
from meshgov_client.api.products import (
    create_product,
    get_product,
    get_product_schema,
    publish_product,
    search_products,
    update_product,
)
from meshgov_client.api.subscriptions import approve_subscription, get_subscription, request_subscription
from meshgov_client.models import (
    Approval,
    ApprovalPolicy,
    CatalogMode,
    Classification,
    Domain,
    EventPage,
    GrantState,
    Job,
    JobStatus,
    NewDomain,
    NewProduct,
    NewSubscription,
    PageAuditEvent,
    PageProduct,
    Problem,
    Product,
    ProductPatch,
    ProductSchema,
    ProductStatus,
    Provisioning,
    Source,
    Subscription,
    SubscriptionStatus,
    TableScope,
)
from meshgov_client.types import Response

T = TypeVar("T")

TIMEOUT = 60.0
TABLES = ["orders", "order_lines"]


def env(name: str) -> str:
    value = os.environ.get(name)
    assert value, f"{name} is not set (run this test with scripts/clients.sh flow BASE_URL)"
    return value


def client(role: str) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=env("MESHGOV_URL"),
        token=env(f"MESHGOV_FLOW_TOKEN_{role.upper()}"),
        raise_on_unexpected_status=True,
        timeout=httpx.Timeout(30.0),
    )


def expect(response: Response[T | Problem], status: int, kind: type[T]) -> T:
    """The parsed body of a response with this status, of this kind (not a Problem)."""
    assert response.status_code == status, (
        f"expected HTTP {status}, got {response.status_code}: {response.content.decode(errors='replace')}"
    )
    parsed = response.parsed
    assert isinstance(parsed, kind), f"expected a {kind.__name__}, got {parsed!r}"
    return parsed


def problem(response: Response[T | Problem], status: int, code: str) -> Problem:
    """The problem document of an error response, parsed by the client."""
    assert response.status_code == status, (
        f"expected HTTP {status}, got {response.status_code}: {response.content.decode(errors='replace')}"
    )
    parsed = response.parsed
    assert isinstance(parsed, Problem), f"expected a Problem, got {parsed!r}"
    assert parsed.code == code, parsed
    assert parsed.status == status, parsed
    assert parsed.request_id, parsed
    assert response.headers.get("content-type", "").startswith("application/problem+json"), response.headers
    return parsed


def wait_for(what: str, poll: Callable[[], T | None]) -> T:
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = poll()
        if value is not None:
            return value
        assert time.monotonic() < deadline, f"timed out after {TIMEOUT}s waiting for {what}"
        time.sleep(0.2)


def test_flow() -> None:
    admin, steward, producer, consumer = (client(r) for r in ("admin", "steward", "producer", "consumer"))
    prod_domain = env("MESHGOV_FLOW_PRODUCER_DOMAIN")
    cons_domain = env("MESHGOV_FLOW_CONSUMER_DOMAIN")
    prod_account = env("MESHGOV_FLOW_PRODUCER_ACCOUNT")
    cons_account = env("MESHGOV_FLOW_CONSUMER_ACCOUNT")
    word = prod_domain.replace("-", "")  # one search word, unique to this run
    database = f"{word}_db"

    # The producer's Glue catalog, in its own account in the emulator.
    subprocess.run(
        [
            env("EMULATOR_PYTHON"),
            str(Path(__file__).with_name("glue_catalog.py")),
            env("EMULATOR_URL"),
            prod_account,
            database,
            *TABLES,
        ],
        check=True,
        stdout=sys.stderr,
    )

    # Onboarding (admin): a producer domain in central mode and a consumer domain.
    new_producer = NewDomain(
        slug=prod_domain,
        name=f"Producer {word}",
        description="Producer domain of a client flow test",
        aws_account_id=prod_account,
        sync_role_arn=f"arn:aws:iam::{prod_account}:role/meshgov-catalog-reader",
        owners=["flow-owner@example.com"],
        approval_policy=ApprovalPolicy.STEWARDS,
        catalog_mode=CatalogMode.CENTRAL,
        data_access_role_arn="arn:aws:iam::123456789012:role/meshgov-data-access",
        link_role_arn=f"arn:aws:iam::{prod_account}:role/meshgov-links",
    )
    domain = expect(create_domain.sync_detailed(client=admin, body=new_producer), 201, Domain)
    assert domain.slug == prod_domain
    new_consumer = NewDomain(
        slug=cons_domain,
        name=f"Consumer {word}",
        aws_account_id=cons_account,
        sync_role_arn=f"arn:aws:iam::{cons_account}:role/meshgov-catalog-reader",
        approval_policy=ApprovalPolicy.STEWARDS,
        link_role_arn=f"arn:aws:iam::{cons_account}:role/meshgov-links",
    )
    expect(create_domain.sync_detailed(client=admin, body=new_consumer), 201, Domain)

    # 422: an invalid body (the account id is not 12 digits), with per-field errors.
    bad = NewDomain(slug=f"{prod_domain}-bad", name="Bad", aws_account_id="12345")
    p = problem(create_domain.sync_detailed(client=admin, body=bad), 422, "validation_failed")
    assert isinstance(p.errors, list) and p.errors, p
    assert any(e.field == "aws_account_id" for e in p.errors), p.errors

    # The producer registers a product over the database, publishes it and syncs it.
    new_product = NewProduct(
        slug="orders",
        name=f"Orders {word}",
        description="Orders and order lines, for the client flow test.",
        classification=Classification.INTERNAL,
        tags=["flow", "orders"],
        source=Source(database=database, tables=TABLES),
    )
    product = expect(create_product.sync_detailed(prod_domain, client=producer, body=new_product), 201, Product)
    assert product.status == ProductStatus.DRAFT
    product = expect(publish_product.sync_detailed(prod_domain, "orders", client=producer), 200, Product)
    assert product.status == ProductStatus.PUBLISHED
    queued = sync_product.sync_detailed(prod_domain, "orders", client=producer)
    job = expect(queued, 202, Job)
    assert queued.headers.get("location") == f"/api/v1/jobs/{job.id}", queued.headers

    def job_done() -> Job | None:
        j = expect(get_job.sync_detailed(job.id, client=producer), 200, Job)
        assert j.status != JobStatus.FAILED, j
        return j if j.status == JobStatus.SUCCEEDED else None

    job = wait_for(f"sync job {job.id}", job_done)
    schema = expect(get_product_schema.sync_detailed(prod_domain, "orders", client=consumer), 200, ProductSchema)
    assert sorted(t.name for t in schema.tables) == sorted(TABLES), schema
    for table in schema.tables:
        assert isinstance(table.columns, list), table
        assert [c.name for c in table.columns] == ["id", "region", "amount"], table

    # Search finds it.
    page = expect(search_products.sync_detailed(client=consumer, q=word), 200, PageProduct)
    assert [(i.domain, i.slug) for i in page.items] == [(prod_domain, "orders")], page

    # 412: PATCH with the current ETag, then again with that (now stale) ETag.
    read = get_product.sync_detailed(prod_domain, "orders", client=producer)
    expect(read, 200, Product)
    etag = read.headers["etag"]
    patched = update_product.sync_detailed(
        prod_domain, "orders", client=producer, body=ProductPatch(description="Changed once."), if_match=etag
    )
    assert expect(patched, 200, Product).description == "Changed once."
    assert patched.headers["etag"] != etag
    stale = update_product.sync_detailed(
        prod_domain, "orders", client=producer, body=ProductPatch(description="Changed twice."), if_match=etag
    )
    problem(stale, 412, "precondition_failed")

    # The consumer asks for access for a role of its account, with an Idempotency-Key; a retry
    # with the same key and body returns the same subscription.
    request = NewSubscription(
        domain=prod_domain,
        product="orders",
        consumer_domain=cons_domain,
        principal=f"arn:aws:iam::{cons_account}:role/analyst",
        justification="Client flow test",
        tables=[TableScope(name="orders"), TableScope(name="order_lines", columns=["id", "amount"])],
    )
    key = str(uuid.uuid4())
    first = request_subscription.sync_detailed(client=consumer, body=request, idempotency_key=key)
    sub = expect(first, 201, Subscription)
    assert first.headers.get("location") == f"/api/v1/subscriptions/{sub.id}", first.headers
    assert "idempotent-replayed" not in first.headers, first.headers
    again = request_subscription.sync_detailed(client=consumer, body=request, idempotency_key=key)
    assert expect(again, 201, Subscription).id == sub.id, again.parsed
    assert again.headers.get("idempotent-replayed") == "true", again.headers

    # A steward approves; the grants are applied in Lake Formation by a job.
    decision = approve_subscription.sync_detailed(sub.id, client=steward, body=Approval(comment="ok for the flow test"))
    approved = expect(decision, 202, Subscription)
    assert approved.status == SubscriptionStatus.APPROVED, approved
    assert decision.headers.get("etag") == f'"{approved.version}"', decision.headers

    def granted() -> Subscription | None:
        s = expect(get_subscription.sync_detailed(sub.id, client=consumer), 200, Subscription)
        assert s.provisioning not in (Provisioning.GRANT_FAILED, Provisioning.REVOKE_FAILED), s
        return s if s.provisioning == Provisioning.GRANTED else None

    sub = wait_for(f"subscription {sub.id} to be granted", granted)
    assert isinstance(sub.grants, list) and sub.grants, sub
    assert all(g.state == GrantState.GRANTED for g in sub.grants), sub.grants

    # The audit log, two events a page, following next_cursor.
    first_page = expect(list_audit.sync_detailed(client=steward, limit=2), 200, PageAuditEvent)
    assert len(first_page.items) == 2 and isinstance(first_page.next_cursor, str), first_page
    second_page = expect(
        list_audit.sync_detailed(client=steward, limit=2, cursor=first_page.next_cursor), 200, PageAuditEvent
    )
    assert second_page.items, second_page
    seqs = [e.seq for e in first_page.items + second_page.items]
    assert len(set(seqs)) == len(seqs), seqs
    ours = expect(
        list_audit.sync_detailed(client=steward, target=f"subscription:{sub.id}", limit=200), 200, PageAuditEvent
    )
    actions = {e.action for e in ours.items}
    assert {"subscription.requested", "subscription.approved"} <= actions, actions

    # The event feed from just before the subscription's first event, following next_after.
    start = min(e.seq for e in ours.items) - 1
    feed = expect(list_events.sync_detailed(client=consumer, after=start, limit=2), 200, EventPage)
    assert feed.events and feed.events[0].seq == start + 1, feed
    assert feed.events[0].subject == f"subscription:{sub.id}", feed.events[0]
    assert feed.next_after >= feed.events[-1].seq
    more = expect(list_events.sync_detailed(client=consumer, after=feed.next_after, limit=2), 200, EventPage)
    assert all(e.seq > feed.next_after for e in more.events), more
