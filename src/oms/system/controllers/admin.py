"""Operations routes: the ledger audit."""

from __future__ import annotations

from litestar import Controller, get

from oms.domain.access import Action, require
from oms.http.deps import Caller, DbSession
from oms.http.params import PageCursor, PageLimit
from oms.inventory.services.audit import AuditReport, run_audit


class AdminController(Controller):
    path = "/admin"
    tags = ["operations"]

    @get(
        "/audit",
        summary="Replay the stock ledger and report any level that differs",
        description="`ok` is false when any level's on_hand or reserved differs from the sum "
        "of its ledger movements, or reserved differs from what active holds hold. Both lists "
        "of mismatches page together, in (location, SKU) order, at most `limit` each.",
    )
    async def audit(
        self,
        db_session: DbSession,
        principal: Caller,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> AuditReport:
        require(principal, Action.AUDIT)
        return await run_audit(db_session, limit=limit, cursor=cursor)
