"""A new installation: first company and project from the command line; deploy checks."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from propdesk.core.checks import embedded_secret_key
from propdesk.core.models import BusinessHours, Company, DocumentType, Project, TimelineEvent

pytestmark = pytest.mark.django_db


def test_r_gen_01_createproject_seeds_defaults(capsys):
    # R-GEN-01
    call_command(
        "createproject", "dw", "地王国际花园", "--company", "华庭物业", "--record-prefix", "地王"
    )
    project = Project.objects.get(code="dw")
    assert project.company.name == "华庭物业"
    assert BusinessHours.objects.filter(project=project).count() == 7
    assert DocumentType.objects.get(project=project, key="repair_sheet").record_name == (
        "地王/客服记录-16"
    )
    assert TimelineEvent.objects.filter(action="project.created", actor=None).count() == 1
    assert capsys.readouterr().out.startswith("dw\t地王国际花园")


def test_createproject_rejects_duplicate_code_and_writes_nothing():
    call_command("createproject", "dw", "地王", "--company", "华庭物业")
    with pytest.raises(CommandError, match="code"):
        call_command("createproject", "dw", "另一个", "--company", "华庭物业")
    assert Project.objects.count() == 1
    assert Company.objects.count() == 1


def test_deploy_check_warns_about_the_embedded_secret_key():
    from propdesk.settings import _DEV_KEY

    with override_settings(SECRET_KEY=_DEV_KEY):
        assert [w.id for w in embedded_secret_key(None)] == ["propdesk.W001"]
    with override_settings(SECRET_KEY="x" * 60):
        assert embedded_secret_key(None) == []
