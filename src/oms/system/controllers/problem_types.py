"""``/problems``: what each problem ``code`` means, where every problem's ``type`` points.

Public (no token): a client that got a problem must be able to read what it means.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath

from oms.domain.errors import NotFound
from oms.http.params import PageCursor, PageLimit
from oms.system.services import problem_types
from oms.system.services.problem_types import ProblemType, ProblemTypePage


class ProblemTypeController(Controller):
    path = "/problems"
    tags = ["system"]
    cache_control = CacheControlHeader(max_age=3600, public=True)

    @get(
        "/",
        summary="Every problem code this service answers with, and what it means",
        description="In code order.",
        exclude_from_auth=True,
    )
    async def list_problem_types(
        self, limit: PageLimit = 100, cursor: PageCursor = None
    ) -> ProblemTypePage:
        return problem_types.page(limit, cursor)

    @get(
        "/{code:str}",
        summary="One problem code: its title, status, when it happens and what to do",
        description="The page each problem's `type` points at. An unknown code is 404.",
        exclude_from_auth=True,
    )
    async def get_problem_type(self, code: FromPath[str]) -> ProblemType:
        found = problem_types.registry().get(code)
        if found is None:
            raise NotFound(f"no problem code {code!r}")
        return found
