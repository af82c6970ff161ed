from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_subscription import PageSubscription
from ...models.problem import Problem
from ...models.subscription_status import SubscriptionStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: SubscriptionStatus | Unset = UNSET,
    domain: str | Unset = UNSET,
    product: str | Unset = UNSET,
    consumer_domain: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["domain"] = domain

    params["product"] = product

    params["consumer_domain"] = consumer_domain

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/subscriptions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageSubscription | Problem | None:
    if response.status_code == 200:
        response_200 = PageSubscription.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PageSubscription | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: SubscriptionStatus | Unset = UNSET,
    domain: str | Unset = UNSET,
    product: str | Unset = UNSET,
    consumer_domain: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[PageSubscription | Problem]:
    """List subscriptions, newest first: consumers see their domains' subscriptions, producers the
    subscriptions to their domains' products, stewards and admins all.

    Args:
        status (SubscriptionStatus | Unset): Where the decision on a subscription stands.
        domain (str | Unset):
        product (str | Unset):
        consumer_domain (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageSubscription | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        domain=domain,
        product=product,
        consumer_domain=consumer_domain,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: SubscriptionStatus | Unset = UNSET,
    domain: str | Unset = UNSET,
    product: str | Unset = UNSET,
    consumer_domain: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> PageSubscription | Problem | None:
    """List subscriptions, newest first: consumers see their domains' subscriptions, producers the
    subscriptions to their domains' products, stewards and admins all.

    Args:
        status (SubscriptionStatus | Unset): Where the decision on a subscription stands.
        domain (str | Unset):
        product (str | Unset):
        consumer_domain (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageSubscription | Problem
    """

    return sync_detailed(
        client=client,
        status=status,
        domain=domain,
        product=product,
        consumer_domain=consumer_domain,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: SubscriptionStatus | Unset = UNSET,
    domain: str | Unset = UNSET,
    product: str | Unset = UNSET,
    consumer_domain: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[PageSubscription | Problem]:
    """List subscriptions, newest first: consumers see their domains' subscriptions, producers the
    subscriptions to their domains' products, stewards and admins all.

    Args:
        status (SubscriptionStatus | Unset): Where the decision on a subscription stands.
        domain (str | Unset):
        product (str | Unset):
        consumer_domain (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageSubscription | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        domain=domain,
        product=product,
        consumer_domain=consumer_domain,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: SubscriptionStatus | Unset = UNSET,
    domain: str | Unset = UNSET,
    product: str | Unset = UNSET,
    consumer_domain: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> PageSubscription | Problem | None:
    """List subscriptions, newest first: consumers see their domains' subscriptions, producers the
    subscriptions to their domains' products, stewards and admins all.

    Args:
        status (SubscriptionStatus | Unset): Where the decision on a subscription stands.
        domain (str | Unset):
        product (str | Unset):
        consumer_domain (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageSubscription | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            domain=domain,
            product=product,
            consumer_domain=consumer_domain,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
