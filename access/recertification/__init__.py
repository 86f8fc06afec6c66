"""Quarterly recertification: each supervisor vouches for their team's access, or withdraws it.

``services`` holds the rule (the quarter, the queue, the answers, chasing overdue ones from
Celery beat); ``views``, ``forms`` and ``urls`` are the supervisor's pages at
``/team/recertify/`` (docs/architecture.md, *recertification*).
"""
