"""``zone_label``: the zone a date is given in, named as the sign-up list names it (community.timezones)."""

from django import template

from community.timezones import zone_label

register = template.Library()
register.filter("zone_label", zone_label)
