# Django's Spanish formats group thousands with a space (the RAE's rule); the secretariat's Spanish
# spreadsheets and readers write 3.300.000. Only this value is overridden: Django takes every other
# format from its own Spanish module.
THOUSAND_SEPARATOR = "."
