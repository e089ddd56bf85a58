from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from ..forms import Form
from ..labels import AUDIT_ACTIONS

#: Kinds of events an administrator can ask for at once (an action's first word).
AUDIT_KINDS = {
    "priority.": _l("Everything about social services' priority groups"),
    "apart.": _l("Everything about young people kept apart"),
    "allocation.": _l("Everything about allocation runs"),
    "round.": _l("Everything about rounds"),
    "placement.": _l("Everything about places offered and answered"),
    "consent.": _l("Everything about guardians' consent"),
    "auth.": _l("Everything about accounts and logging in"),
    "offer.": _l("Everything about offers"),
}


def _action_choices() -> list[tuple[str, str]]:
    """Every kind first, then every single action by its sentence, in the reader's order."""
    single = sorted(((code, str(text)) for code, text in AUDIT_ACTIONS.items()),
                    key=lambda choice: choice[1].casefold())
    return ([("", _("All events"))] + [(code, str(text)) for code, text in AUDIT_KINDS.items()]
            + single)


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = SelectField(_l("What happened"), choices=_action_choices, validate_choice=True,
                         validators=[Optional()])
    actor = StringField(_l("Who (part of the e-mail address)"),
                        validators=[Optional(), Length(max=254)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
