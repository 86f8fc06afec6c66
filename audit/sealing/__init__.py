"""Sealing the lookup log: what makes it tamper-evident, and how that is checked.

The events' leaf hashes (``canonical``, ``leaves``) fold into an RFC 6962 Merkle tree
(``merkle``) whose root the sealer (``sealer``) signs as a tree head (``heads``) with a key
kept outside the database (``keys``), under a lock only the key's holder can take
(``seal_lock``), up to the safe watermark (``watermark``), and copies to a witness outside
the database (``witness``). ``verification`` recomputes all of it against the database;
``verify_head`` checks heads with nothing but the public key and the witness files.
Re-rooting into a new epoch (``reroot``, ``transition``, ``epochs``) lets old events be
forgotten and still verify. docs/audit.md describes the whole.

Not to be confused with ``directory/sealing``, which encrypts fields at rest (AES-GCM).
The log's one writer (``audit/writer.py``) and its models stay in ``audit``.

This package imports nothing on import, so ``python -m audit.sealing.verify_head`` runs
without Django.
"""
