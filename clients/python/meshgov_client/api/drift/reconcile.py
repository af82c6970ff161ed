from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.reconcile_plan import ReconcilePlan
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    apply: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["apply"] = apply

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/reconcile",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReconcilePlan | None:
    if response.status_code == 200:
        response_200 = ReconcilePlan.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = ReconcilePlan.from_dict(response.json())

        return response_202

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
) -> Response[Problem | ReconcilePlan]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    apply: bool | Unset = UNSET,
) -> Response[Problem | ReconcilePlan]:
    """Repair drift: grant again what is missing, revoke what is unexpected, sync products with
    orphaned grants.

     Runs a check first. Without `apply=true` it only answers the plan; with it, the repairs are
    queued as jobs (the same durable path and batching as every grant) and audited as
    `drift.reconcile_requested`; each repair done is audited as `drift.repaired`.

    Args:
        apply (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconcilePlan]
    """

    kwargs = _get_kwargs(
        apply=apply,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    apply: bool | Unset = UNSET,
) -> Problem | ReconcilePlan | None:
    """Repair drift: grant again what is missing, revoke what is unexpected, sync products with
    orphaned grants.

     Runs a check first. Without `apply=true` it only answers the plan; with it, the repairs are
    queued as jobs (the same durable path and batching as every grant) and audited as
    `drift.reconcile_requested`; each repair done is audited as `drift.repaired`.

    Args:
        apply (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconcilePlan
    """

    return sync_detailed(
        client=client,
        apply=apply,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    apply: bool | Unset = UNSET,
) -> Response[Problem | ReconcilePlan]:
    """Repair drift: grant again what is missing, revoke what is unexpected, sync products with
    orphaned grants.

     Runs a check first. Without `apply=true` it only answers the plan; with it, the repairs are
    queued as jobs (the same durable path and batching as every grant) and audited as
    `drift.reconcile_requested`; each repair done is audited as `drift.repaired`.

    Args:
        apply (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconcilePlan]
    """

    kwargs = _get_kwargs(
        apply=apply,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    apply: bool | Unset = UNSET,
) -> Problem | ReconcilePlan | None:
    """Repair drift: grant again what is missing, revoke what is unexpected, sync products with
    orphaned grants.

     Runs a check first. Without `apply=true` it only answers the plan; with it, the repairs are
    queued as jobs (the same durable path and batching as every grant) and audited as
    `drift.reconcile_requested`; each repair done is audited as `drift.repaired`.

    Args:
        apply (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconcilePlan
    """

    return (
        await asyncio_detailed(
            client=client,
            apply=apply,
        )
    ).parsed
