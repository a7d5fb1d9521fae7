"""Next year's City Managers Days as a copy of this year's (called by ``events.services.events_copy``):
the in-person settings (who may apply, days to confirm, the protocol in every language, the
applications' closing date), the budget, the review criteria and the programme, every date moved by
the years between the editions. Never an application, a review, a decision or a site-visit pick:
next year's people apply again."""

from .models import Budget, Criterion, Event, Session


def days_copy(*, source: Event, copy: Event, years: int, shift) -> Event:
    from community.translated import translation_values

    copy.eligibility_rule, copy.confirm_within_days = source.eligibility_rule, source.confirm_within_days
    copy.applications_close_at = shift(source.applications_close_at, years) if source.applications_close_at else None
    copy.save(update_fields=["eligibility_rule", "confirm_within_days", "applications_close_at"])
    budget = Budget.objects.filter(event=source).first()
    if budget is not None:
        Budget.objects.create(event=copy, expo_passes=budget.expo_passes,
                              accommodation_nights=budget.accommodation_nights,
                              travel_support_euros=budget.travel_support_euros)
    Criterion.objects.bulk_create(
        Criterion(event=copy, weight=criterion.weight, position=criterion.position, **translation_values(criterion))
        for criterion in Criterion.objects.filter(event=source))
    Session.objects.bulk_create(
        Session(event=copy, kind=session.kind, starts_at=shift(session.starts_at, years),
                ends_at=shift(session.ends_at, years), location=session.location, capacity=session.capacity,
                **translation_values(session))
        for session in Session.objects.filter(event=source))
    return copy
