"""Numbers written the way the page's language writes them (portal.numbers): ``grouped`` for whole
numbers, ``euros`` for amounts."""

from django import template

from portal import numbers

register = template.Library()
register.filter("grouped", numbers.grouped)
register.filter("euros", numbers.euros)
