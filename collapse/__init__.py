"""collapse: the reproducible companion to two papers on model collapse.

Seddik et al. (2024) and Wang et al. (2024).

Layout: ``statistical`` (the count model, vectorised), ``distributions`` (initial p^(0)),
``theory`` (closed forms), ``figures`` (data + drawing per figure), ``plotting`` (one style),
``notebook`` and ``cli`` (re-running any figure notebook with new parameters).
"""

__version__ = "0.1.0"
