"""The one palette of the project: status colours (dashboard, figures, history report) and camp colours.

Status and camp use different hue families so that the map (status) and the movement network (camp) beside it
never read as the same scale. Both are built from colour-blind-safe sets (Okabe and Ito 2008; Tol 2021): the
status scale runs dark red (communist), amber (hybrid), blue (non-communist), and a state that has not yet
entered is near-white with a dashed outline, so it cannot be taken for a non-communist state under any colour
vision deficiency (the two differ in lightness by far more than the blue differs from the amber).
"""

from __future__ import annotations

STATUS_COLOURS = {
    "communist": "#a51c30",
    "hybrid": "#e69f00",
    "non_communist": "#56b4e9",
}
"""Colour of each status (:class:`sim.features.Status` values)."""
NOT_ENTERED = "#f4f4f4"
"""A state before its Communist entry year (drawn with :data:`NOT_ENTERED_BORDER`, dashed)."""
NOT_ENTERED_BORDER = "#8a8a8a"
CATEGORY_COLOURS = {"not_entered": NOT_ENTERED, **STATUS_COLOURS}
"""The dashboard map's categories: not yet entered, then each status."""
DARK = frozenset({"communist"})
"""Categories whose fill needs white text on it."""
STATUS_LINE = {**STATUS_COLOURS, "non_communist": "#0072b2"}
"""Status colours for thin lines on white (the light blue is darkened to Okabe-Ito blue)."""

CAMP_COLOURS = {"moscow": "#332288", "rival": "#117733", "independent": "#999933", "centre": "#000000"}
"""Camps of the movement network (Tol's muted scheme: indigo, green, olive; centres black)."""

MEMBER_TYPE_COLOURS = {
    "believer": "#882255",
    "reformer": "#44aa99",
    "closet_social_democrat": "#88ccee",
    "conservative": "#332288",
    "careerist": "#ddcc77",
    "other": "#bbbbbb",
}
"""Derived member types (Tol's muted scheme)."""

FEATURE_HELD = "#1b7837"
FEATURE_LOST = "#eeeeee"
