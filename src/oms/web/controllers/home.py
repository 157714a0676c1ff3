"""The app's home: today at my store (pickups waiting, work to pick, transfers arriving),
each a tile leading to the screen that deals with it."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.response import Template

from oms.fulfilment.services.store_day import store_day
from oms.http.deps import DbSession
from oms.web.pages import page
from oms.web.staff import SignedIn
from oms.web.work_views import age_text

METHODS = {"pickup": "Collect in store", "ship": "Ship", "transfer": "Send to a store"}


class HomeController(Controller):
    path = "/app"
    include_in_schema = False

    @get("/")
    async def home(self, staff: SignedIn, state: State, db_session: DbSession) -> Template:
        here = staff.here()  # an associate of several stores picks one first
        today = await store_day(db_session, staff.principal, here, staff.view.store_code or "")
        return page("app/home.html", staff, state, today=today, age=age_text, methods=METHODS)
