"""Search-quality benchmark helpers: an independent error generator and a record-linkage
yardstick (``recordlinkage``) that answers the same queries as the application's search."""
