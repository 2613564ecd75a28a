"""Vault events for editors: ``vespera/events/query`` and subscriptions (``vespera/event``).

A client queries a vault's event log page by page, or subscribes with a filter and receives
each new event as a ``vespera/event`` notification, in log order. A client that reconnects
passes the last sequence it saw as ``after`` and misses nothing. Subscriptions end with
``vespera/events/unsubscribe`` or when the vault closes.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import msgspec
from pygls.exceptions import JsonRpcInvalidParams

from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera_protocol.events import Event
from vespera_protocol.messages import (
    EVENT,
    EVENTS_QUERY,
    EVENTS_SUBSCRIBE,
    EVENTS_UNSUBSCRIBE,
    EventParams,
    EventQueryParams,
    EventQueryResult,
    SubscribeParams,
    SubscribeResult,
    UnsubscribeParams,
)

log = logging.getLogger(__name__)
P = TypeVar("P", bound=msgspec.Struct)


def params_of(raw: Any, kind: type[P]) -> P:
    """The request's params as ``kind``, or an invalid-params error saying what is wrong."""
    try:
        return msgspec.convert(raw if raw is not None else {}, kind)
    except msgspec.ValidationError as exc:
        raise JsonRpcInvalidParams(f"Invalid params: {exc}") from None


def host_of(ls: VesperaServer, vault: str | None) -> VaultHost:
    """The vault a request names (or the only one), with its stores open."""
    if vault is None:
        if len(ls.vaults) != 1:
            raise JsonRpcInvalidParams(
                "This server serves several vaults (or none): name one with 'vault'."
            )
        host = ls.vaults[0]
    else:
        found = [h for h in ls.vaults if h.uri == vault or h.client_root.as_uri() == vault]
        if not found:
            raise JsonRpcInvalidParams(f"{vault} is not a vault this server serves.")
        host = found[0]
    if host.session is None:
        raise JsonRpcInvalidParams(
            f"The event log of {host.root} is not open yet: {host.message or 'starting'}."
        )
    return host


def register(server: VesperaServer) -> None:
    """Wire the event requests."""

    @server.feature(EVENTS_QUERY)
    async def query(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """Events of a vault's log: filtered, and paged by sequence."""
        params = params_of(raw, EventQueryParams)
        session = host_of(ls, params.vault).session
        assert session is not None
        try:
            page = await session.events.query(
                params.filter,
                after=params.after,
                before=params.before,
                limit=params.limit,
                newest_first=params.newest_first,
            )
        except ValueError as exc:  # a malformed time in the filter
            raise JsonRpcInvalidParams(str(exc)) from None
        result = EventQueryResult(
            events=page.events, next=page.next, head=await session.events.head()
        )
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    @server.feature(EVENTS_SUBSCRIBE)
    async def subscribe(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """Send the vault's events matching a filter as ``vespera/event`` notifications."""
        params = params_of(raw, SubscribeParams)
        session = host_of(ls, params.vault).session
        assert session is not None
        if params.filter.since or params.filter.until:
            raise JsonRpcInvalidParams("A subscription takes no time range; use 'after'.")

        async def send(event: Event) -> None:
            # ``sub`` is bound below, before the first event can reach here.
            ls.protocol.notify(
                EVENT, msgspec.to_builtins(EventParams(subscription=sub.id, event=event))
            )

        # The subscription's first step reads the log in the database's thread, so this
        # answer reaches the client before any notification of the subscription does.
        sub = await session.bus.subscribe(send, params.filter, after=params.after)
        ls.subscriptions[sub.id] = session.bus
        # Where it starts: every later event is sent, whatever was committed meanwhile.
        head = await session.events.head()
        result = SubscribeResult(subscription=sub.id, start=sub.position, head=head)
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    @server.feature(EVENTS_UNSUBSCRIBE)
    async def unsubscribe(ls: VesperaServer, raw: Any) -> None:
        """End a subscription."""
        params = params_of(raw, UnsubscribeParams)
        bus = ls.subscriptions.pop(params.subscription, None)
        if bus is None or not await bus.unsubscribe(params.subscription):
            raise JsonRpcInvalidParams(f"There is no subscription {params.subscription!r}.")
