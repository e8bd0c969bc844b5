"""The home page: the MRCs of Quebec with their enterprise counts."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template

from carte.db import get_session
from carte.queries import mrc_counts

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    """List the MRCs by region with how many enterprises each holds."""
    counts = mrc_counts(get_session())
    regions = [(name, list(mrcs)) for name, mrcs in groupby(counts, key=lambda m: m.region_name)]
    total = sum(m.enterprises for m in counts)
    return render_template("home/index.html", regions=regions, total=total)
