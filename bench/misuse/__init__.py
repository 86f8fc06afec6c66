"""The misuse-review benchmark (``bench/misuse_review.py``): a synthetic directory and
workforce, a month of their lookups with planted misuse, and the scoring of the
application's own review pipeline against what was planted."""
