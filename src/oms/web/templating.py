"""The template engine for every page: Jinja2 over ``templates/``, autoescaped."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _environment() -> Environment:
    # StrictUndefined: a misspelt variable fails the page (and its test) instead of
    # rendering blank; the i18n extension gives templates gettext (`_()`).
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["local"] = local_time
    return env


@pass_context
def local_time(context: Context, moment: datetime, pattern: str = "%d %b %H:%M") -> str:
    """``moment`` on the clock of the store the associate stands in (the page's
    ``store_timezone``), e.g. ``{{ hold.expires_at|local }}``; a page with no store
    (an admin's) says UTC, so no time is ever read on the wrong clock."""
    zone = context.get("store_timezone")
    if zone:
        return moment.astimezone(ZoneInfo(zone)).strftime(pattern)
    return moment.astimezone(ZoneInfo("UTC")).strftime(pattern) + " UTC"


def template_config() -> TemplateConfig[Any]:
    """Litestar's template config for the app (``Template`` responses)."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(_environment()))
