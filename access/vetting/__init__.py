"""Vetting as evidence: an admin records what they saw, and readers are told before it lapses.

``evidence`` records a user's DBS check, training and user agreement as attested by whoever
saved them in admin; ``reminders`` tells a reader and their organisation's admins before an
item lapses (Celery beat). Whether the evidence is current is ``access.models.vetting_problems``'
question alone, asked by the gateway on every read.
"""
