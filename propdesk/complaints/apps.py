from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "propdesk.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        # Register the complaint sweeps in every process (web, worker, `propdesk sweep`).
        from propdesk.complaints import tasks  # noqa: F401
