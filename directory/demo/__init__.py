"""A deterministic demo world: authorities, organisations, children, families and users.

Split by purpose. ``blueprint`` is the plain-row shape of a world; ``names``, ``places``,
``contacts`` and ``sampling`` are what everything is drawn from; ``organisations``,
``households``, ``involvements`` and ``personas`` build the rows; ``world`` puts them
together from a seed. Only ``writer`` (with ``pgcopy`` for the big tables) touches the
database, and only ``credentials`` handles the demo users' secrets.
"""
