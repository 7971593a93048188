"""omniroute: the routing engine of an omnichannel contact centre.

The core (this package's top level) models channels, agents, contacts and queues and
routes contacts to agents with a fast, deterministic, clock-agnostic :class:`Router`.
``omniroute.sim`` runs the same router in SimPy; ``omniroute.analytics`` has Erlang
formulas, staffing and skill-coverage analysis.  Neither is imported by ``import omniroute``.
"""

from __future__ import annotations

from . import policies as policies
from .agents import Agent as Agent
from .assignment import Assignment as Assignment
from .assignment import Reason as Reason
from .channels import CHAT as CHAT
from .channels import EMAIL as EMAIL
from .channels import SOCIAL as SOCIAL
from .channels import TASK as TASK
from .channels import VIDEO as VIDEO
from .channels import VOICE as VOICE
from .channels import Channel as Channel
from .contacts import Contact as Contact
from .errors import DuplicateIdError as DuplicateIdError
from .errors import InvalidStateError as InvalidStateError
from .errors import OmnirouteError as OmnirouteError
from .errors import ScenarioError as ScenarioError
from .errors import TimeOrderError as TimeOrderError
from .errors import UnknownAgentError as UnknownAgentError
from .errors import UnknownContactError as UnknownContactError
from .errors import UnknownIdError as UnknownIdError
from .errors import UnknownQueueError as UnknownQueueError
from .errors import ValidationError as ValidationError
from .locked import LockedRouter as LockedRouter
from .queues import Overflow as Overflow
from .queues import Queue as Queue
from .queues import ServiceLevel as ServiceLevel
from .queues import Step as Step
from .router import Router as Router
from .views import AgentView as AgentView
from .views import WaitingView as WaitingView

__version__ = "0.1.0"

__all__ = [
    "Agent", "AgentView", "Assignment", "CHAT", "Channel", "Contact", "DuplicateIdError",
    "EMAIL", "InvalidStateError", "LockedRouter", "OmnirouteError", "Overflow", "Queue", "Reason",
    "Router", "SOCIAL", "ScenarioError", "ServiceLevel", "Step", "TASK", "TimeOrderError",
    "UnknownAgentError", "UnknownContactError", "UnknownIdError", "UnknownQueueError",
    "VIDEO", "VOICE", "ValidationError", "WaitingView", "analytics", "policies", "sim",
]


def __getattr__(name: str) -> object:
    # The simulation and analytics layers load on first use, so that
    # ``import omniroute`` never imports SimPy or networkx.
    if name in ("sim", "analytics", "testing"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'omniroute' has no attribute {name!r}")
