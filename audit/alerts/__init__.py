"""Misuse alerts: raising them, and the pages where reviewers close them with an outcome.

``services`` raises alerts from misuse review's findings (``audit/review/``), from a shield
override, a provisioning approval or a stalled sealer or review, and records each decision;
``selectors`` reads the queue, one alert and the auditors' dashboard (each read audited);
``views``, ``forms`` and ``charts`` are the pages. docs/misuse-review.md describes the whole.
"""
