"""Break-glass and requests for access: the pages, their forms and their URLs.

Emergency access (break-glass), planned requests for access and the supervisors' queue and
decisions (docs/break-glass.md). Only the HTTP side lives here: parse, call the gateway,
render. The rules themselves (who may open a request, the whole-directory search, the grant,
supervision) stay in ``access/gateway/break_glass.py`` and ``access/gateway/supervision.py``,
because every read of child data goes through the one gateway (DESIGN.md, *One gateway for
child data*; ``tests/test_one_gateway.py``).
"""
