from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.access_report import AccessReport
from ...models.problem import Problem
from ...models.product_access_report_format import ProductAccessReportFormat
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    product: str,
    *,
    format_: ProductAccessReportFormat | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/domains/{domain}/products/{product}/access-report".format(
            domain=quote(str(domain), safe=""),
            product=quote(str(product), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AccessReport | Problem | None:
    if response.status_code == 200:
        response_200 = AccessReport.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[AccessReport | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    domain: str,
    product: str,
    *,
    client: AuthenticatedClient,
    format_: ProductAccessReportFormat | Unset = UNSET,
) -> Response[AccessReport | Problem]:
    """Who can read a product's data (the domain's approvers, stewards, admins).

     The access report of one product: the rows of the domain's report for that product.

    Args:
        domain (str):
        product (str):
        format_ (ProductAccessReportFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessReport | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        product=product,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    product: str,
    *,
    client: AuthenticatedClient,
    format_: ProductAccessReportFormat | Unset = UNSET,
) -> AccessReport | Problem | None:
    """Who can read a product's data (the domain's approvers, stewards, admins).

     The access report of one product: the rows of the domain's report for that product.

    Args:
        domain (str):
        product (str):
        format_ (ProductAccessReportFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessReport | Problem
    """

    return sync_detailed(
        domain=domain,
        product=product,
        client=client,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    domain: str,
    product: str,
    *,
    client: AuthenticatedClient,
    format_: ProductAccessReportFormat | Unset = UNSET,
) -> Response[AccessReport | Problem]:
    """Who can read a product's data (the domain's approvers, stewards, admins).

     The access report of one product: the rows of the domain's report for that product.

    Args:
        domain (str):
        product (str):
        format_ (ProductAccessReportFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessReport | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        product=product,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    product: str,
    *,
    client: AuthenticatedClient,
    format_: ProductAccessReportFormat | Unset = UNSET,
) -> AccessReport | Problem | None:
    """Who can read a product's data (the domain's approvers, stewards, admins).

     The access report of one product: the rows of the domain's report for that product.

    Args:
        domain (str):
        product (str):
        format_ (ProductAccessReportFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessReport | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            product=product,
            client=client,
            format_=format_,
        )
    ).parsed
