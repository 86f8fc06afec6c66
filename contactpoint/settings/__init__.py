"""Settings are split: base (shared, one module per topic: core, database, broker, security,
vetting, break_glass, search, feeds, shielding, api, sealing, audit, review, health and
schedule, read through ``environment``), production (strict, from the environment), test."""
