"""Lookups the ORM does not write the way PostgreSQL's planner needs them."""

from django.db.models import F
from django.db.models.lookups import In


class InArray(In):
    """``column IN (subquery)``, written ``column = ANY(ARRAY(subquery))`` on PostgreSQL.

    Several ``IN (subquery)`` joined by OR are a filter PostgreSQL checks on every row of the table (a
    hashed subplan per row); ``= ANY(ARRAY(…))`` runs each subquery once and is an index condition, so
    the OR becomes a BitmapOr of index scans. Other databases get the plain ``IN``.

    Used as an expression: ``queryset.filter(Q(InArray("user_id", people)) | Q(…))``."""

    def __init__(self, column: str, subquery):
        # A fresh Query (order_by() clones), which In then reads as `__in` reads a queryset: its primary
        # keys unless it selects a column, and no ORDER BY (inside ARRAY() it would only sort).
        super().__init__(F(column), subquery.order_by().query)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
