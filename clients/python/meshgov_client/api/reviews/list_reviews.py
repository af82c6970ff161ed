from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_reviews_state import ListReviewsState
from ...models.page_review import PageReview
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    domain: str | Unset = UNSET,
    state: ListReviewsState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["domain"] = domain

    json_state: str | Unset = UNSET
    if not isinstance(state, Unset):
        json_state = state.value

    params["state"] = json_state

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/reviews",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PageReview | Problem | None:
    if response.status_code == 200:
        response_200 = PageReview.from_dict(response.json())

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
) -> Response[PageReview | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    domain: str | Unset = UNSET,
    state: ListReviewsState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[PageReview | Problem]:
    """List access reviews due or overdue, and unused subscriptions (approvers, stewards, admins).

     Each with the subscription's scope, who approved it and when, its age, the last confirmation,
    the review's date and state, when it ends unless confirmed, and its usage. Domains set reviews
    and the unused rule in their `access_policy`.

    Args:
        domain (str | Unset):
        state (ListReviewsState | Unset): What to list.
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageReview | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        state=state,
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
    domain: str | Unset = UNSET,
    state: ListReviewsState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> PageReview | Problem | None:
    """List access reviews due or overdue, and unused subscriptions (approvers, stewards, admins).

     Each with the subscription's scope, who approved it and when, its age, the last confirmation,
    the review's date and state, when it ends unless confirmed, and its usage. Domains set reviews
    and the unused rule in their `access_policy`.

    Args:
        domain (str | Unset):
        state (ListReviewsState | Unset): What to list.
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageReview | Problem
    """

    return sync_detailed(
        client=client,
        domain=domain,
        state=state,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    domain: str | Unset = UNSET,
    state: ListReviewsState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[PageReview | Problem]:
    """List access reviews due or overdue, and unused subscriptions (approvers, stewards, admins).

     Each with the subscription's scope, who approved it and when, its age, the last confirmation,
    the review's date and state, when it ends unless confirmed, and its usage. Domains set reviews
    and the unused rule in their `access_policy`.

    Args:
        domain (str | Unset):
        state (ListReviewsState | Unset): What to list.
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageReview | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        state=state,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    domain: str | Unset = UNSET,
    state: ListReviewsState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> PageReview | Problem | None:
    """List access reviews due or overdue, and unused subscriptions (approvers, stewards, admins).

     Each with the subscription's scope, who approved it and when, its age, the last confirmation,
    the review's date and state, when it ends unless confirmed, and its usage. Domains set reviews
    and the unused rule in their `access_policy`.

    Args:
        domain (str | Unset):
        state (ListReviewsState | Unset): What to list.
        cursor (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageReview | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            domain=domain,
            state=state,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
