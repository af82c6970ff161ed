from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.classification import Classification
from ...models.page_product import PageProduct
from ...models.problem import Problem
from ...models.product_status import ProductStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    status: ProductStatus | Unset = UNSET,
    tag: str | Unset = UNSET,
    classification: Classification | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["q"] = q

    params["domain"] = domain

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["tag"] = tag

    json_classification: str | Unset = UNSET
    if not isinstance(classification, Unset):
        json_classification = classification.value

    params["classification"] = json_classification

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/products",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PageProduct | Problem | None:
    if response.status_code == 200:
        response_200 = PageProduct.from_dict(response.json())

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
) -> Response[PageProduct | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    status: ProductStatus | Unset = UNSET,
    tag: str | Unset = UNSET,
    classification: Classification | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[PageProduct | Problem]:
    """Search the catalog, newest first.

     Drafts appear only to their domain's producers, stewards and admins.

    Args:
        q (str | Unset):
        domain (str | Unset):
        status (ProductStatus | Unset):
        tag (str | Unset):
        classification (Classification | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageProduct | Problem]
    """

    kwargs = _get_kwargs(
        q=q,
        domain=domain,
        status=status,
        tag=tag,
        classification=classification,
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
    q: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    status: ProductStatus | Unset = UNSET,
    tag: str | Unset = UNSET,
    classification: Classification | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> PageProduct | Problem | None:
    """Search the catalog, newest first.

     Drafts appear only to their domain's producers, stewards and admins.

    Args:
        q (str | Unset):
        domain (str | Unset):
        status (ProductStatus | Unset):
        tag (str | Unset):
        classification (Classification | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageProduct | Problem
    """

    return sync_detailed(
        client=client,
        q=q,
        domain=domain,
        status=status,
        tag=tag,
        classification=classification,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    status: ProductStatus | Unset = UNSET,
    tag: str | Unset = UNSET,
    classification: Classification | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[PageProduct | Problem]:
    """Search the catalog, newest first.

     Drafts appear only to their domain's producers, stewards and admins.

    Args:
        q (str | Unset):
        domain (str | Unset):
        status (ProductStatus | Unset):
        tag (str | Unset):
        classification (Classification | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageProduct | Problem]
    """

    kwargs = _get_kwargs(
        q=q,
        domain=domain,
        status=status,
        tag=tag,
        classification=classification,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    domain: str | Unset = UNSET,
    status: ProductStatus | Unset = UNSET,
    tag: str | Unset = UNSET,
    classification: Classification | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> PageProduct | Problem | None:
    """Search the catalog, newest first.

     Drafts appear only to their domain's producers, stewards and admins.

    Args:
        q (str | Unset):
        domain (str | Unset):
        status (ProductStatus | Unset):
        tag (str | Unset):
        classification (Classification | Unset):
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageProduct | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            domain=domain,
            status=status,
            tag=tag,
            classification=classification,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
