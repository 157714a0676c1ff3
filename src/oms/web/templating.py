"""The template engine for every page: Jinja2 over ``templates/``, autoescaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
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
    return env


def template_config() -> TemplateConfig[Any]:
    """Litestar's template config for the app (``Template`` responses)."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(_environment()))
