"""omniroute: the routing engine of an omnichannel contact centre.

The core (this package's top level) models channels, agents, contacts and queues and
routes contacts to agents with a fast, deterministic, clock-agnostic :class:`Router`.
``omniroute.sim`` runs the same router in SimPy; ``omniroute.analytics`` has Erlang
formulas, staffing and skill-coverage analysis.  Neither is imported by ``import omniroute``.
"""

from __future__ import annotations

from . import _accel

_accel.select()  # compiled core or pure Python, before any core module loads

from . import policies as policies  # noqa: E402
from .agents import Agent as Agent  # noqa: E402
from .assignment import Assignment as Assignment  # noqa: E402
from .assignment import Reason as Reason  # noqa: E402
from .channels import CHAT as CHAT  # noqa: E402
from .channels import EMAIL as EMAIL  # noqa: E402
from .channels import SOCIAL as SOCIAL  # noqa: E402
from .channels import TASK as TASK  # noqa: E402
from .channels import VIDEO as VIDEO  # noqa: E402
from .channels import VOICE as VOICE  # noqa: E402
from .channels import Channel as Channel  # noqa: E402
from .contacts import Contact as Contact  # noqa: E402
from .errors import DuplicateIdError as DuplicateIdError  # noqa: E402
from .errors import ExpressionError as ExpressionError  # noqa: E402
from .errors import InvalidStateError as InvalidStateError  # noqa: E402
from .errors import OmnirouteError as OmnirouteError  # noqa: E402
from .errors import ScenarioError as ScenarioError  # noqa: E402
from .errors import SnapshotError as SnapshotError  # noqa: E402
from .errors import TimeOrderError as TimeOrderError  # noqa: E402
from .errors import UnknownAgentError as UnknownAgentError  # noqa: E402
from .errors import UnknownContactError as UnknownContactError  # noqa: E402
from .errors import UnknownIdError as UnknownIdError  # noqa: E402
from .errors import UnknownQueueError as UnknownQueueError  # noqa: E402
from .errors import ValidationError as ValidationError  # noqa: E402
from .expressions import Expression as Expression  # noqa: E402
from .expressions import check_expressions as check_expressions  # noqa: E402
from .locked import LockedRouter as LockedRouter  # noqa: E402
from .queues import Overflow as Overflow  # noqa: E402
from .queues import Queue as Queue  # noqa: E402
from .queues import ServiceLevel as ServiceLevel  # noqa: E402
from .queues import Step as Step  # noqa: E402
from .router import Router as Router  # noqa: E402
from .views import AgentView as AgentView  # noqa: E402
from .views import WaitingView as WaitingView  # noqa: E402

__version__ = "0.1.0"

#: True when the router's core runs compiled (mypyc); ``OMNIROUTE_PURE_PYTHON=1`` forces
#: the pure-Python build of the same code.
ACCELERATED: bool = _accel.accelerated()

__all__ = [
    "ACCELERATED", "Agent", "AgentView", "Assignment", "CHAT", "Channel", "Contact", "DuplicateIdError",
    "EMAIL", "Expression", "ExpressionError", "InvalidStateError", "LockedRouter", "OmnirouteError", "Overflow", "Queue", "Reason",
    "Router", "SOCIAL", "ScenarioError", "ServiceLevel", "SnapshotError", "Step", "TASK", "TimeOrderError",
    "UnknownAgentError", "UnknownContactError", "UnknownIdError", "UnknownQueueError",
    "VIDEO", "VOICE", "ValidationError", "WaitingView", "analytics", "check_expressions",
    "policies", "sim", "vendors",
]


def __getattr__(name: str) -> object:
    # The simulation and analytics layers load on first use, so that
    # ``import omniroute`` never imports SimPy or networkx (the vendor emulators too: few need them).
    if name in ("sim", "analytics", "testing", "vendors"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'omniroute' has no attribute {name!r}")
