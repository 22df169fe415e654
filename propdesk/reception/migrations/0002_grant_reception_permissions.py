"""Give the default roles of an existing installation the reception permissions they have in
`propdesk.core.permissions.DEFAULT_ROLES` (new installations get them when the roles are
created). Runs once; later edits to a role are left alone."""

from django.db import migrations


def grant(apps, schema_editor):
    from propdesk.core.permissions import DEFAULT_ROLES

    Role = apps.get_model("core", "Role")
    wanted = {code: perms for code, _n, _e, _u, perms in DEFAULT_ROLES}
    for role in Role.objects.filter(code__in=list(wanted)):
        new = [p for p in wanted[role.code] if p.startswith("reception.")]
        merged = list(dict.fromkeys([*(role.permissions or []), *new]))
        if merged != role.permissions:
            role.permissions = merged
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("reception", "0001_initial"), ("core", "0002_deadline_one_open_per_kind")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
