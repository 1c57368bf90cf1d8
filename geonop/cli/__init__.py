"""geonop's command line: ``geonop info``, ``convert``, ``demo``, ``train``, ``evaluate``, ``predict``.

Each sub-command lives in its own module with ``register(subparsers)``; :mod:`geonop.cli.main`
collects them and turns every :class:`~geonop.errors.GeonopError` into a one-line message.
"""

from geonop.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
