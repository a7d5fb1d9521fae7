"""A queryset whose bulk writes call a hook: ``update``, ``bulk_create`` and ``bulk_update`` send no
signal, so a cache that saves and deletes retire through signals must hear of them another way
(community.steps.WatchedQuerySet, community.models.EditionQuerySet)."""

from django.db import models


class BulkWriteHookQuerySet(models.QuerySet):
    def bulk_written(self) -> None:
        """Rows of this model were written in bulk (called only when some were)."""
        raise NotImplementedError

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            self.bulk_written()
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            self.bulk_written()
        return created

    def bulk_update(self, objs, *args, **kwargs):
        rows = super().bulk_update(objs, *args, **kwargs)
        if rows:
            self.bulk_written()
        return rows
