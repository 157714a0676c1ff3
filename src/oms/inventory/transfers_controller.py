"""Placeholder: routes land here."""

from litestar import Controller


class TransferController(Controller):
    path = "/transfers"
