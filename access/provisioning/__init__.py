"""Separation of duties: changes to accounts that take two people, one who asks and one who
approves.

``services`` holds the rule (what needs a second person, who may approve, expiry); ``views``
is the approvers' queue, mounted in admin by ``access.admin_site`` (docs/architecture.md,
*Separation of duties*).
"""
