"""Sphinx extension: the repository URL of ``_config.yml`` (``repository.url``) as the MyST
substitution ``{{ repository_url }}``, so pages name it without a second copy."""

from __future__ import annotations

from typing import Any


def _publish(app: Any, config: Any) -> None:
    url = (config.html_theme_options or {}).get("repository_url", "")
    if not url:
        raise ValueError("_config.yml: set repository.url (the book's pages link to it)")
    config.myst_substitutions = {**(config.myst_substitutions or {}), "repository_url": url}


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _publish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
