"""Misuse review: Celery jobs that read the lookup log and raise alerts (docs/misuse-review.md).

Stages, each idempotent and each remembering how far it got:
1. ``explain`` — every lookup gets an explanation from the directory's relations
   (``access.gateway.lookup_facts``), read from the log in keyset chunks behind a watermark;
2. ``rollup`` — each local day's activity per user, the memory the baselines use;
3. detectors — one small module each (``detectors/``), run once per time window; a window's
   run and its alerts commit together under a unique key.
"""
