"""Protection at rest (issue 15; docs/encryption.md): where the key that unwraps the data keys
comes from.

Children's and carers' addresses and contacts are sealed under data keys that are stored
wrapped by a key-encryption key held outside the database: the key text itself (FIELD_KEK,
lines '<id> <base64 of 32 bytes>', the last one current) or a 0600 file (FIELD_KEK_FILE;
`make run` creates .data/field-kek). FIELD_KEY_PROVIDER names a class for a KMS or HSM.
"""

from .environment import env, env_number

FIELD_KEK = env.str("FIELD_KEK", default="")
FIELD_KEK_FILE = env.str("FIELD_KEK_FILE", default="")
FIELD_KEY_PROVIDER = env.str("FIELD_KEY_PROVIDER", default="")
# How long a process keeps sealing under the data key it last found current.
FIELD_KEY_CACHE_SECONDS = env_number("FIELD_KEY_CACHE_SECONDS", default=60, least=0)
