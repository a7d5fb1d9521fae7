"""The selection board's rows as HTML, written directly: the same markup a template would give, at
a tenth of the cost (Django's template engine spent about 0.5 ms a row on the board's 40 values and
10 conditions, more than the rest of the page; README, "Benchmarks"). The page around them is a
template (``templates/events/days/board/board.html``); every visible word comes translated from
``events.board`` (``BoardRow``, ``row_texts``), every value is escaped here.

One function for the page and for a row's htmx update (``render_rows``), so the markup is written
once. Each form keeps its labels, the CSRF token and the filters to come back to (``form_inputs``).
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe

ROW = """
<tr id="application-{pk}" data-application="{pk}" data-decision="{decision}">
  <td>{rank}</td>
  <td><input class="form-check-input" type="checkbox" name="application" value="{pk}" form="bulk-decide" \
id="tick-{pk}" aria-label="{tick_label}"></td>
  <th scope="row" class="fw-normal"><a href="{change_url}">{name}</a><br><span class="small text-muted">\
{job_title}</span></th>
  <td>{organisation} <span class="small text-muted">{country}</span><br><span class="small">{region} · {kind}\
</span></td>
  <td class="small">{portrait}<br>{webinar}</td>
  <td class="small">{asked}</td>
  <td>{score}<br><span class="small text-muted">{reviews}</span></td>
  <td>
    <span class="fw-semibold">{decision_label}</span>
    {state}
    {confirmation}
    <form method="post" action="{decide_url}" class="mt-1" hx-post="{decide_url}" hx-target="#application-{pk}" \
hx-swap="outerHTML">
      {form_inputs}<input type="hidden" name="rank" value="{rank}">
      <div class="btn-group btn-group-sm" role="group" aria-label="{group_label}">
        {buttons}
      </div>
    </form>
    {decision_errors}
  </td>
  <td class="small">
    {benefits}
    {other_errors}
  </td>
</tr>"""

GRANT = """<form method="post" action="{grant_url}" hx-post="{grant_url}" hx-target="#application-{pk}" \
hx-swap="outerHTML" class="board-grant">
      {form_inputs}<input type="hidden" name="rank" value="{rank}">
      {expo_pass}
      {expo_pass_errors}
      {nights}
      {nights_errors}
      {euros}
      {euros_errors}
      <button type="submit" class="btn btn-sm btn-outline-primary mt-1">{grant}</button>
    </form>"""

PASS = ('<div class="form-check"><input class="form-check-input" type="checkbox" name="expo_pass" id="pass-{pk}"'
        '{checked}><label class="form-check-label" for="pass-{pk}">{label}</label></div>')
NIGHTS = ('<label class="form-label mb-0" for="nights-{pk}">{label}</label>\n      <input class="form-control '
          'form-control-sm" type="number" min="0" max="{asked}" name="nights" id="nights-{pk}" value="{granted}">')
EUROS = ('<label class="form-label mb-0" for="euros-{pk}">{label}</label>\n      <input class="form-control '
         'form-control-sm" type="number" min="0" step="0.01" max="{asked}" name="euros" id="euros-{pk}" '
         'value="{granted}">')
BUTTON = '<button type="submit" name="decision" value="{value}" class="btn btn-outline-secondary">{label}</button>'
ACTIVE = ('<button type="submit" name="decision" value="{value}" class="btn btn-outline-secondary active" '
          'aria-pressed="true" disabled>{label}</button>')
EMPTY = '\n<tr><td colspan="9" class="text-muted">{}</td></tr>'


def _errors(messages, css: str) -> str:
    return f'<div class="{css}" role="alert">{escape(" ".join(messages))}</div>' if messages else ""


def render_rows(rows, *, texts: dict, form_inputs: str, errors: dict | None = None) -> SafeString:
    """The ``<tr>`` of each ``events.board.BoardRow``; ``errors`` (a row's htmx update) by place:
    ``decision``, ``expo_pass``, ``nights``, ``euros``, ``other``."""
    errors = errors or {}
    if not rows:
        return mark_safe(EMPTY.format(escape(texts["empty"])))
    out = []
    for row in rows:
        pk, rank = escape(row.pk), escape(row.rank)
        if row.holds_place:
            benefits = GRANT.format(
                grant_url=escape(row.grant_url), pk=pk, rank=rank, form_inputs=form_inputs,
                expo_pass=PASS.format(pk=pk, checked=" checked" if row.pass_granted else "",
                                      label=escape(texts["pass"])) if row.pass_wanted else "",
                expo_pass_errors=_errors(errors.get("expo_pass"), "text-danger"),
                nights=NIGHTS.format(pk=pk, label=escape(row.nights_label), asked=escape(row.nights_wanted),
                                     granted=escape(row.nights_granted)) if row.nights_wanted != "0" else "",
                nights_errors=_errors(errors.get("nights"), "text-danger"),
                euros=EUROS.format(pk=pk, label=escape(row.euros_label), asked=escape(row.euros_asked),
                                   granted=escape(row.euros_granted)) if row.euros_wanted else "",
                euros_errors=_errors(errors.get("euros"), "text-danger"), grant=escape(texts["grant"]))
        else:
            benefits = escape(texts["released"]) if row.released else "—"
        if row.state == "sent":
            state = f'<span class="badge text-bg-success">{escape(texts["sent"])}</span>'
        elif row.state == "draft":
            state = (f'<span class="badge text-bg-warning" data-draft>{escape(texts["draft"])}</span> '
                     f'<span class="small text-muted">{escape(row.sent_note)}</span>')
        else:
            state = ""
        out.append(ROW.format(
            pk=pk, rank=rank, decision=escape(row.decision), tick_label=escape(row.tick_label),
            change_url=escape(row.change_url), name=escape(row.name), job_title=escape(row.job_title),
            organisation=escape(row.organisation), country=escape(row.country), region=escape(row.region),
            kind=escape(row.kind), portrait=escape(row.portrait), webinar=escape(row.webinar), asked=row.asked,
            score=(f"<strong>{escape(row.score)}</strong>" if row.score
                   else f'<span class="text-muted">{escape(texts["unscored"])}</span>'),
            reviews=escape(row.reviews), decision_label=escape(row.decision_label), state=state,
            confirmation=f'<br><span class="small">{escape(row.confirmation)}</span>' if row.confirmation else "",
            decide_url=escape(row.decide_url), form_inputs=form_inputs, group_label=escape(row.group_label),
            buttons="".join((ACTIVE if active else BUTTON).format(value=escape(value), label=escape(label))
                            for value, label, active in row.buttons),
            decision_errors=_errors(errors.get("decision"), "text-danger small"),
            benefits=benefits, other_errors=_errors(errors.get("other"), "text-danger")))
    return mark_safe("".join(out))  # every value above is escaped; row.asked and form_inputs are safe HTML
