"""Production settings, unchanged, for the bench server (``floor.wsgi``).

The floor's two views are routed by ``floor.wsgi`` itself, not by a URL pattern, so this
module adds nothing to the application: it exists so that the bench names one settings
module and the production one is what runs.
"""

from contactpoint.settings.production import *  # noqa: F403
