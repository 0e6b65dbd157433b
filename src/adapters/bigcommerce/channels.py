"""Channel assignments of products, and of price lists to the channels that sell in their currency.

Assignment requests run one at a time on their own lane (BigCommerce: no parallel assignment requests).
"""

from __future__ import annotations

from collections.abc import Sequence

from bookbridge.adapters.bigcommerce.buffers import WriteBuffers
from bookbridge.adapters.bigcommerce.client import BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, store_error
from bookbridge.adapters.bigcommerce.work import ActionWork


def sync_channels(client: BigCommerceClient, works: list[ActionWork], buffers: WriteBuffers) -> None:
    """New assignments go to the run's buffers (sent in large batches); removals are sent at once. Assignment
    requests run one at a time (BigCommerce: no parallel assignment requests)."""
    remove: dict[int, list[ActionWork]] = {}
    for w in works:
        assert w.listing is not None
        have = set(w.remote.get("channels") or [])
        want = set(w.listing.channels)
        for channel in sorted(want - have):
            buffers.add_channel(w, {"product_id": w.product_id or 0, "channel_id": channel})
        for channel in sorted(have - want):
            remove.setdefault(channel, []).append(w)
    for channel, members in remove.items():
        ids = ",".join(str(w.product_id) for w in members)
        try:
            client.request("DELETE", "catalog/products/channel-assignments", lane="channel-assignments",
                           params={"product_id:in": ids, "channel_id:in": str(channel)})
            for w in members:
                w.remote["channels"] = [c for c in w.remote.get("channels") or [] if c != channel]
        except BigCommerceError as exc:
            for w in members:
                w.errors.append(store_error(exc, context=f"removing product {w.product_id} from channel {channel}"))


def assign_price_list(client: BigCommerceClient, list_id: int, channels: Sequence[int],
                      assigned: set[tuple[int, int]]) -> None:
    """Assign the price list to the channels that sell in its currency (`POST /pricelists/assignments`),
    once: assignments already there are read first and never sent again. BigCommerce applies one price list
    per channel (and customer group), so this replaces another list assigned to the channel for all shoppers.
    """
    wanted = [c for c in channels if (list_id, c) not in assigned]
    if not wanted:
        return
    have = {a.get("channel_id") for a in client.iter_v3(
        "pricelists/assignments", params={"price_list_id": list_id}) if not a.get("customer_group_id")}
    missing = [c for c in wanted if c not in have]
    for start in range(0, len(missing), 25):  # at most 25 assignments per request (price lists spec)
        client.request("POST", "pricelists/assignments",
                       json=[{"price_list_id": list_id, "channel_id": c} for c in missing[start:start + 25]])
    assigned |= {(list_id, c) for c in wanted}
