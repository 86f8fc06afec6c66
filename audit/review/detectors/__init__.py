"""Every misuse detector, in the order they run. Each module holds one detector and says in
its docstring which threat it looks for; thresholds live in ``settings.MISUSE_DETECTORS``."""

from . import (
    break_glass_peers,
    collusion,
    directory_search,
    judgements,
    off_hours,
    own_family,
    reader_account_change,
    rubber_stamp,
    scraping,
    shielded,
    unexplained_child,
    unexplained_household,
    unexplained_searches,
    unexplained_user,
    volume_spike,
)
from .base import Detector, Finding

DETECTORS: tuple[Detector, ...] = (
    shielded.DETECTOR,
    judgements.DETECTOR,
    scraping.DETECTOR,
    own_family.DETECTOR,
    break_glass_peers.DETECTOR,
    directory_search.DETECTOR,
    volume_spike.DETECTOR,
    off_hours.DETECTOR,
    rubber_stamp.DETECTOR,
    collusion.DETECTOR,
    unexplained_user.DETECTOR,
    unexplained_searches.DETECTOR,
    unexplained_child.DETECTOR,
    unexplained_household.DETECTOR,
    reader_account_change.DETECTOR,
)
DETECTORS_BY_NAME = {detector.name: detector for detector in DETECTORS}

__all__ = ["DETECTORS", "DETECTORS_BY_NAME", "Detector", "Finding"]
