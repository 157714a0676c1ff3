"""HTTP routes for a channel's sync settings: how it reaches its partner (admins only)."""

from __future__ import annotations

from litestar import Controller, delete, get, put
from litestar.params import FromPath, JSONBody

from oms.http.deps import Caller, DbSession
from oms.sync.schemas import SyncSettingsIn, SyncSettingsOut
from oms.sync.services import settings

_NO_SECRETS = (
    " Secrets are never sent or shown: `credentials_env` and `webhook_secret_env` name"
    " environment variables of the service, and answers say only whether each is set."
)


class SyncSettingsController(Controller):
    path = "/channels/{code:str}/sync"
    tags = ["channel sync"]

    @put(
        "/",
        summary="Connect a channel to its partner, or change how",
        description=(
            "Creates or replaces the channel's sync settings: the adapter (`shopify` or"
            " `webhook`), the partner's URL, the quantity policy (buffer, percent rounded"
            " down, cap, zero at or below), the feeding locations, and whether one network"
            " quantity or one per location is published. A change to the policy, the"
            " feeding locations or `enabled` marks every listing pending; a new partner or"
            " partner location publishes every listing again (`listings_marked`). Switching"
            " `per_location` while the channel has listings is 409: delete them first."
            + _NO_SECRETS
            + " Admin only."
        ),
    )
    async def put_sync_settings(
        self,
        code: FromPath[str],
        data: JSONBody[SyncSettingsIn],
        db_session: DbSession,
        principal: Caller,
    ) -> SyncSettingsOut:
        return await settings.put_settings(db_session, principal, code, data)

    @get(
        "/",
        summary="A channel's sync settings",
        description="404 for a channel without sync settings." + _NO_SECRETS + " Admin only.",
    )
    async def get_sync_settings(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> SyncSettingsOut:
        return await settings.get_settings(db_session, principal, code)

    @delete(
        "/",
        summary="Stop syncing a channel",
        description=(
            "Sets `enabled` to false: nothing is published and no webhooks are taken. The"
            " settings and listings are kept; PUT with `enabled: true` resumes. Admin only."
        ),
        status_code=200,
    )
    async def disable_channel_sync(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> SyncSettingsOut:
        return await settings.disable_sync(db_session, principal, code)
