"""Sphinx extension: write the bitmaps that cross-page glue points at.

myst-nb pastes a figure glued on another page (the intro's gallery) as an ``<img>`` whose file is
named by the SHA-256 of its PNG, and assumes the source page already wrote that file. The pages
show their figures as SVG (collapse.publish), so the PNG of the glued bundle is written by no
page: this handler writes every glued PNG to ``_images/`` once the build is done.
"""

from __future__ import annotations

import hashlib
import json
from base64 import b64decode
from pathlib import Path
from typing import Any


def write_glued_images(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.name != "html":
        return
    images = Path(app.outdir) / app.builder.imagedir
    images.mkdir(parents=True, exist_ok=True)
    for cache in Path(app.env.mystnb_config.output_folder).rglob("*.glue.json"):
        for output in json.loads(cache.read_text()).values():
            png = output.get("data", {}).get("image/png")
            if png is None:
                continue
            data = b64decode(png)
            path = images / f"{hashlib.sha256(data).hexdigest()}.png"
            if not path.exists():
                path.write_bytes(data)


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", write_glued_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
