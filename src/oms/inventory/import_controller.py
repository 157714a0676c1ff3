"""Placeholder: routes land here."""

from litestar import Controller


class ImportController(Controller):
    path = "/inventory/imports"
