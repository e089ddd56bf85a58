from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional

from ..forms import Form
from ..i18n import week_label
from .services import Sort, interest_names
from ..models import OfferKind


class CatalogueFilterForm(Form):
    """Read from the query string, so a filtered list can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()], choices=[
        SelectChoice("", _l("Jobs and activities")),
        SelectChoice(OfferKind.JOB.value, _l("Summer jobs")),
        SelectChoice(OfferKind.ACTIVITY.value, _l("Leisure activities"))])
    week = SelectField(_l("Week"), validators=[Optional()])
    district = SelectField(_l("District"), validators=[Optional()])
    age = IntegerField(_l("Your age"), validators=[Optional(), NumberRange(min=10, max=25)])
    interest = SelectField(_l("Interest"), validators=[Optional()])
    places = BooleanField(_l("Only offers that still have free places"))
    sort = SelectField(_l("Sort by"), validators=[Optional()], choices=[
        SelectChoice(Sort.NEWEST.value, _l("Newest first")),
        SelectChoice(Sort.CLOSING.value, _l("Closing soonest first")),
        SelectChoice(Sort.DISTRICT.value, _l("Nearest district first"))])
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])

    #: Fields that narrow the list (the fold opens when one is set).
    FILTERS = ("q", "kind", "week", "district", "age", "interest", "places")

    def __init__(self, weeks, districts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.week.choices = [SelectChoice("", _l("Any week"))] + [
            SelectChoice(w, week_label(w)) for w in weeks]
        self.district.choices = [SelectChoice("", _l("Anywhere"))] + [
            SelectChoice(str(d.id), d.name) for d in districts]
        self.interest.choices = [SelectChoice("", _l("Any interest"))] + [
            SelectChoice(code, name) for code, name in interest_names().items()]
