from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "propdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Register the core sweeps (notification delivery, deadline reminders) and huey tasks.
        from propdesk.core import checks, tasks  # noqa: F401
        from propdesk.core.services.setup import ensure_default_roles

        # Catalogue data, not domain behaviour: the default roles of SPEC §1 exist after every
        # migrate (missing ones are added; edited ones are left as configured).
        post_migrate.connect(ensure_default_roles, sender=self)
