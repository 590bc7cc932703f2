"""The web layer: HTML pages and a JSON API over the search service.

``flask --app web run`` finds ``create_app`` here.
"""

from .app import create_app

__all__ = ["create_app"]
