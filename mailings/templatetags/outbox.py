from django import template

from mailings.models import OutboxMessage

register = template.Library()


@register.simple_tag
def outbox_failed_count():
    return OutboxMessage.objects.failed().count()
