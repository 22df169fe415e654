from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "propdesk.reception"
    label = "reception"
    verbose_name = _("Reception")

    def ready(self) -> None:
        # Register the reception sweeps in every process (web, worker, `propdesk sweep`).
        from propdesk.reception import tasks  # noqa: F401
