"""The forms of the admission flow: the recommendation, one per step (the task page), and stopping the path."""

from __future__ import annotations

from django import forms
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import date_field
from core.forms import BoundedForm
from members.models import Candidate, PartyMember

from .models import Step


def _note():
    return forms.CharField(label=_("Note"), required=False, max_length=255)


class CandidateRecommendForm(BoundedForm):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    born_on = date_field(_("Date of birth"))
    recommended_by = forms.ChoiceField(label=_("Recommended by"), choices=Candidate.RecommendedBy.choices)
    recommended_on = date_field(_("Recommended on"))
    is_owner = forms.BooleanField(label=_("Business owner"), required=False)
    is_manager = forms.BooleanField(label=_("Manager of the enterprise"), required=False)
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommended_on"].initial = timezone.localdate()


class CourseForm(BoundedForm):
    passed_on = date_field(_("Course passed on"))
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=64, required=False)
    note = _note()


class ApplicationForm(BoundedForm):
    applied_on = date_field(_("Application dated"))
    mentor_1 = forms.ModelChoiceField(label=_("First mentoring member"), queryset=PartyMember.objects.none())
    mentor_2 = forms.ModelChoiceField(label=_("Second mentoring member"), queryset=PartyMember.objects.none())
    note = _note()

    def __init__(self, *args, candidate: Candidate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidate is not None:
            # Full members of the candidate's ward, its enterprise's first (the service checks each one again).
            full = (
                PartyMember.objects.active()
                .full(on=timezone.localdate())
                .filter(enterprise__unit_id=candidate.enterprise.unit_id)
                .select_related("enterprise")
                .order_by(Case(When(enterprise_id=candidate.enterprise_id, then=0), default=1), "full_name", "pk")
            )
            for name in ("mentor_1", "mentor_2"):
                field = self.fields[name]
                field.queryset = full  # type: ignore[attr-defined]
                field.label_from_instance = lambda m: f"{m.full_name} · {m.enterprise.name}"  # type: ignore[attr-defined]


class CheckForm(BoundedForm):
    checked_on = date_field(_("Background check completed on"))
    note = _note()


class ResolutionForm(BoundedForm):
    resolved_on = date_field(_("Resolution dated"))
    resolved_by = forms.ChoiceField(label=_("Resolution of"), choices=Candidate.ResolvedBy.choices)
    age_exception = forms.CharField(label=_("Age exception (if any)"), max_length=255, required=False)
    note = _note()


class AdmissionDecisionForm(BoundedForm):
    decision_number = forms.CharField(label=_("Decision number"), max_length=64)
    decided_on = date_field(_("Decision date"))
    note = _note()


class CeremonyForm(BoundedForm):
    held_on = date_field(_("Ceremony held on"))
    note = _note()


class ProbationReviewForm(BoundedForm):
    reviewed_on = date_field(_("Cell's review dated"))
    note = _note()


class RecognitionForm(BoundedForm):
    decided_on = date_field(_("Date of the committee's decision"))
    note = _note()


class StopForm(BoundedForm):
    stopped_on = date_field(_("Date"))
    reason = forms.CharField(label=_("Reason"), max_length=255)


STEP_FORMS: dict[str, type[forms.Form]] = {
    Step.CANDIDATE_COURSE: CourseForm,
    Step.CANDIDATE_APPLICATION: ApplicationForm,
    Step.CANDIDATE_CHECK: CheckForm,
    Step.CANDIDATE_RESOLUTION: ResolutionForm,
    Step.CANDIDATE_DECISION: AdmissionDecisionForm,
    Step.CANDIDATE_CEREMONY: CeremonyForm,
    Step.CANDIDATE_REVIEW: ProbationReviewForm,
    Step.CANDIDATE_RECOGNITION: RecognitionForm,
}


def candidate_step_form(step: str, candidate: Candidate, data=None) -> forms.Form:
    form_class = STEP_FORMS[step]
    if form_class is ApplicationForm:
        return ApplicationForm(data, candidate=candidate)
    return form_class(data)
