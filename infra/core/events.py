"""Signals of core's own: what other apps keep in step with a model follows bulk writes too.

``bulk_written`` is sent (``sender=model, pks=[...]``) inside the writing transaction, after a bulk
insert (``bulk.create_many``), a bulk update (``bulk.update_many``) or a logged ``QuerySet.update()``
of a change-logged model: the writes that send no ``post_save``. A receiver's writes join that
transaction, so they stand or fall with it."""

from django.dispatch import Signal

bulk_written = Signal()
