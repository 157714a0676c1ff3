"""The app's home: today at my store."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.response import Template

from oms.web.pages import page
from oms.web.staff import SignedIn


class HomeController(Controller):
    path = "/app"
    include_in_schema = False

    @get("/")
    async def home(self, staff: SignedIn, state: State) -> Template:
        staff.here()  # an associate of several stores picks one first
        return page("app/home.html", staff, state)
