"""Settings shared by every environment, composed from one module per topic.

Each setting is defined once, in its topic's module; numbers come from the environment
through ``environment.env_number``, which refuses a value outside its range. The
environments (development, production, test) start from here.
"""

from .api import *  # noqa: F403
from .audit import *  # noqa: F403
from .break_glass import *  # noqa: F403
from .broker import *  # noqa: F403
from .core import *  # noqa: F403
from .database import *  # noqa: F403
from .environment import *  # noqa: F403
from .feeds import *  # noqa: F403
from .health import *  # noqa: F403
from .review import *  # noqa: F403
from .schedule import *  # noqa: F403
from .sealing import *  # noqa: F403
from .search import *  # noqa: F403
from .security import *  # noqa: F403
from .shielding import *  # noqa: F403
from .vetting import *  # noqa: F403
