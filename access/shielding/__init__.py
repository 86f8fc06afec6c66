"""Shielded children: the pages, their forms and their URLs.

Brokered contact with a shielded child, the child-protection override and the data managers'
decisions to shield or lift a shield (docs/architecture.md, *Shielding*); the data managers'
queue of requests for brokered contact has its own URLs (``contact_request_views``,
``urls_contact_requests``). Only the HTTP side lives here: parse, call the gateway, render.
The rules themselves stay in the one gateway for child data (``access/gateway/shielding.py``,
``shield_changes.py``, ``shield_override.py``, ``contact_requests.py``; DESIGN.md, *One
gateway for child data*).
"""
