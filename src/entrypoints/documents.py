"""Documents that the CLI and the HTTP API both answer with, so that `plan --json` and `/api/plan` agree."""

from __future__ import annotations

from typing import Any

from bookbridge.application.sync import PlannedSync
from bookbridge.domain.plan import ActionKind


def plan_document(planned: PlannedSync) -> dict[str, Any]:
    plan = planned.plan
    actions = []
    for action in plan.actions:
        before = planned.applied.get(action.key)
        actions.append({
            "action": action.kind.value,
            "key": action.key,
            "sku": action.listing.sku if action.listing else action.key,
            "name": action.listing.name if action.listing else None,
            "sections": [s.value for s in action.sections],
            "reason": action.reason or None,
            "product_id": action.found.product_id if action.found else None,
            "changes": [{"section": c.section.value, "field": c.field, "before": c.before, "after": c.after}
                        for c in action.changes(before)] if action.kind is not ActionKind.CREATE else [],
        })
    held: list[dict[str, Any]] = [{"sku": li.sku, "name": li.name, "reason": li.not_listed_reason}
                                  for li in plan.skipped]
    held += [{"sku": m.listing.sku, "name": m.listing.name, "reason": m.reason, "store_product_id": m.stored.product_id,
              "store_name": m.stored.name} for m in plan.mismatched]
    problems = [{"record": p.record, "severity": p.severity.value, "code": p.code, "field": p.field,
                 "message": p.message} for p in planned.read.problems]
    return {"store": plan.storefront, "counts": plan.counts, "actions": actions, "held_back": held,
            "source_problems": problems}
