"""The tamper-evident audit log (issue 4; docs/audit.md): its second connection, the sealer's
keys and witness, and how often it seals."""

from .environment import DATA_DIR, env, env_number

# Events "now" (refusals, logins) commit through the database connection "audit" (a second
# connection to the same database and role, ``database.py``): audit.writer.access_event_record_now.
AUDIT_NOW_DATABASE = "audit"
# The sealer's Ed25519 key lives outside the database: the key itself, or a 0600 file. `make
# run` creates .data/audit-signing-key and names it in .data/stack.env; production must set one
# (migrate and the sealer stop with ImproperlyConfigured otherwise).
AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY", default="")
AUDIT_SIGNING_KEY_FILE = env.str("AUDIT_SIGNING_KEY_FILE", default="")
# Public keys (base64, comma-separated) of signing keys rotated out, so old heads still verify.
AUDIT_PUBLIC_KEYS = env.list("AUDIT_PUBLIC_KEYS", default=[])
# The witness: one file per signed head, never overwritten. In production, storage that the
# database's administrators cannot write.
AUDIT_WITNESS_DIR = env.str("AUDIT_WITNESS_DIR", default=str(DATA_DIR / "audit-witness"))
AUDIT_SEAL_INTERVAL_SECONDS = env_number("AUDIT_SEAL_INTERVAL_SECONDS", default=5, least=1)
AUDIT_SEAL_WAIT_SECONDS = env_number("AUDIT_SEAL_WAIT_SECONDS", default=2.0, least=0)
AUDIT_PARTITION_MONTHS_AHEAD = env_number("AUDIT_PARTITION_MONTHS_AHEAD", default=3, least=1)
# An unsealed event older than this means sealing has stalled (issue 14, finding 4): an edit
# made meanwhile would be sealed as if genuine. verify_audit then exits 2 and /healthz says 503.
AUDIT_SEAL_MAX_LAG_SECONDS = env_number("AUDIT_SEAL_MAX_LAG_SECONDS", default=300, least=1)
# Synthetic back-dated audit history (the demo world's month, the misuse benchmark) is refused
# unless a deployment says it holds synthetic data; production never does.
AUDIT_SYNTHETIC_HISTORY_ALLOWED = False
