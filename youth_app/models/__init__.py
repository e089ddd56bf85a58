"""The domain model, one module per aggregate; import from here."""
from .allocation import (AllocationRun, Override, OverrideKind, Placement, PlacementState,
                         RoundPseudonym, RunStatus, RunYouthResult)
from .application import Application
from .attendance import Attendance
from .audit import AuditEvent
from .base import DomainError, transition, utcnow
from .friends import FRIEND_GROUP_MAX, FriendMember
from .job import BackgroundJob, JobKind, JobStatus
from .message import MessageStatus, OutgoingMessage
from .offer import AllocationMode, Offer, OfferKind, OfferStatus, SignUp, SignUpStatus
from .organisation import Organisation, OrganisationKind
from .priority import ApartGroup, ApartMember, PriorityGroup, PriorityMembership
from .round import DEFAULT_POLICY, Round, RoundState, TransitionError
from .user import LoginAttempt, LoginSession, Role, User
from .youth import (ConsentMethod, ConsentState, District, Guardian, GuardianConsent,
                    YouthProfile)

__all__ = [
    "AllocationMode", "AllocationRun", "ApartGroup", "ApartMember", "Application",
    "Attendance", "AuditEvent", "BackgroundJob", "ConsentMethod", "ConsentState", "DEFAULT_POLICY", "District",
    "DomainError", "FRIEND_GROUP_MAX", "FriendMember", "Guardian", "GuardianConsent", "JobKind", "JobStatus", "LoginAttempt", "LoginSession",
    "MessageStatus", "Offer", "OfferKind", "OfferStatus", "Organisation", "OrganisationKind",
    "OutgoingMessage", "Override", "OverrideKind", "Placement", "PlacementState",
    "PriorityGroup", "PriorityMembership", "Role", "Round", "RoundPseudonym", "RoundState",
    "RunStatus", "RunYouthResult", "SignUp", "SignUpStatus", "TransitionError", "User", "YouthProfile",
    "transition", "utcnow",
]
