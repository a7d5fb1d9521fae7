"""Number answers have at most six decimals (surveys.services.NUMBER_DECIMALS_MAX): those stored before
the rule (``1e-999999`` was kept written out, a million characters) are rounded to six, so that the
page shows them and saving the section again is not refused for a question nobody touched."""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.db import migrations

SIX_DECIMALS = Decimal("0.000001")


def round_to_six(apps, schema_editor):
    Answer = apps.get_model("surveys", "Answer")
    rows = Answer.objects.filter(question__kind="number").only("pk", "value")
    for answer in rows.iterator(chunk_size=500):
        if not isinstance(answer.value, str) or len(answer.value.partition(".")[2]) <= 6:
            continue
        try:
            number = Decimal(answer.value).quantize(SIX_DECIMALS, rounding=ROUND_HALF_EVEN)
        except (InvalidOperation, TypeError, ValueError):
            continue
        text = format(number.normalize(), "f")
        Answer.objects.filter(pk=answer.pk).update(value="0" if text in ("-0", "0") else text)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0004_survey_opening_announced_at")]

    operations = [migrations.RunPython(round_to_six, migrations.RunPython.noop)]
