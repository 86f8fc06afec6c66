"""Protection at rest of where a child lives and how to reach their family (issue 15).

Envelope encryption: each value is sealed with AES-GCM under a data key; data keys are stored
in the database only wrapped by a key-encryption key that never enters it (``provider``).
Each sealed value is bound to its table, field and row, so a value copied to another row does
not open. Postcodes are found through a keyed blind index under a separate key. See
``docs/encryption.md`` for the threat model.
"""
