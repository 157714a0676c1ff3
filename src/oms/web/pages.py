"""Rendering an app page with what every page needs: who is signed in, where, their form
token and the idle lock (the page locks itself in the browser as the server would)."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.response import Template

from oms.web.staff import Staff


def page(
    template: str,
    staff: Staff,
    state: State,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """``template`` with ``context`` plus the ``common_context``."""
    return Template(
        template,
        context=common_context(staff, state) | context,
        status_code=status_code,
        headers=headers,
    )


def common_context(staff: Staff, state: State) -> dict[str, Any]:
    """What every app page gets: ``staff``, ``store`` ((code, name) or None),
    ``store_timezone`` (the ``local`` filter writes times on that clock) and
    ``idle_lock_seconds``."""
    view = staff.view
    store = (view.store_code, view.store_name) if view.store_code is not None else None
    return {
        "staff": staff,
        "store": store,
        "store_timezone": view.store_timezone,
        "idle_lock_seconds": state.settings.app_idle_lock_seconds,
    }
