"""FuseSoC's EDAM filter `qmlp` (fusesoc.conf: `[main] filters = qmlp`): qmlp.eda.filter.

FuseSoC imports filters as fusesoc.filters.<name>; fusesoc and fusesoc.filters are namespace
packages (no __init__.py), so this file, on qmlp's path (python/), adds one to them.
"""

from qmlp.eda.filter import Qmlp  # noqa: F401
