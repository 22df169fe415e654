"""Forms of the core pages. They only parse and type the input; every rule is checked by the
service the view calls, whose field messages are then shown beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import Building, Department, Post, Project, Role, Unit
from propdesk.core.models.calendar import OverrideKind, Weekday
from propdesk.core.models.tenancy import OccupancyRole, Salutation, UnitStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class DataForm(forms.Form):
    """A form whose cleaned data is handed to a service as `data`. `service_fields` names the
    fields that go there; other fields (a login name, a membership) are passed separately."""

    service_fields: tuple[str, ...] = ()

    def service_data(self) -> dict[str, Any]:
        names = self.service_fields or tuple(self.fields)
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}


# --- search and filters ---------------------------------------------------------------------
class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=50)

    def value(self, name: str, default: Any = None) -> Any:
        if not self.is_valid():
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class ResidentSearchForm(SearchForm):
    building = forms.IntegerField(required=False, min_value=1)
    role = forms.ChoiceField(required=False, choices=[("", ""), *OccupancyRole.choices])
    inactive = forms.BooleanField(required=False)


class UnitSearchForm(SearchForm):
    building = forms.IntegerField(required=False, min_value=1)
    status = forms.ChoiceField(required=False, choices=[("", ""), *UnitStatus.choices])


class StaffSearchForm(SearchForm):
    role = forms.CharField(required=False, max_length=40)
    department = forms.IntegerField(required=False, min_value=1)
    inactive = forms.BooleanField(required=False)


class DepartmentSearchForm(SearchForm):
    inactive = forms.BooleanField(required=False)


# --- master data ------------------------------------------------------------------------------
class BuildingForm(DataForm):
    code = forms.CharField(label=_("Building number"), max_length=20)
    name = forms.CharField(label=_("Building name"), max_length=50)
    floors = forms.IntegerField(label=_("Floors above ground"), initial=1)
    delivered_on = forms.DateField(label=_("Delivery date"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class UnitForm(DataForm):
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    number = forms.CharField(label=_("Unit number"), max_length=20)
    floor = forms.IntegerField(label=_("Floor"))
    area = forms.DecimalField(label=_("Floor area (㎡)"), decimal_places=2, max_digits=10)
    handover_date = forms.DateField(label=_("Handover date"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=UnitStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(project=project)  # type: ignore[attr-defined]


class ResidentForm(DataForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    salutation = forms.ChoiceField(
        label=_("Salutation"), choices=Salutation.choices, required=False
    )
    mobile = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    id_number = forms.CharField(
        label=_("ID-card number"),
        required=False,
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=DATE)
    move_in_date = forms.DateField(label=_("Move-in date"), required=False, widget=DATE)
    email = forms.EmailField(label=_("Email"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ResidentEditForm(ResidentForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)


class LinkForm(DataForm):
    """Link a resident to a unit of the same project (业主/租户/家庭成员)."""

    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    role = forms.ChoiceField(label=_("As"), choices=OccupancyRole.choices)
    start_date = forms.DateField(label=_("From"), required=False, widget=DATE)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for unit in Unit.objects.filter(project=project).select_related("building"):
            groups.setdefault(unit.building.name, []).append((unit.pk, f"{unit.number}"))
        self.fields["unit"].choices = [("", "—"), *groups.items()]  # type: ignore[attr-defined]


class EndLinkForm(forms.Form):
    end_date = forms.DateField(label=_("Until"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate()


class DepartmentForm(DataForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Department name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)


class DepartmentEditForm(DepartmentForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)


class MembershipForm(DataForm):
    """A role (and optionally a department and a post) in the current project."""

    role = forms.ChoiceField(label=_("Role"))
    department = forms.ChoiceField(label=_("Department"), required=False)
    post = forms.ChoiceField(label=_("Post"), required=False)

    membership_fields = ("role", "department", "post")

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *Role.objects.values_list("code", "name"),
        ]
        self.fields["department"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *(
                (str(pk), name)
                for pk, name in Department.objects.filter(
                    project=project, is_active=True
                ).values_list("pk", "name")
            ),
        ]
        posts = list(Post.objects.filter(project=project).values_list("code", "name"))
        if posts:
            self.fields["post"].choices = [  # type: ignore[attr-defined]
                ("", "—"),
                *((code, f"{code} {name}") for code, name in posts),
            ]
        else:
            del self.fields["post"]

    def membership(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.membership_fields
            if self.cleaned_data.get(name)
        }


class StaffForm(MembershipForm):
    """A new staff member with a login and a first role in the current project."""

    name = forms.CharField(label=_("Name"), max_length=50)
    employee_no = forms.CharField(label=_("Employee number"), required=False, max_length=30)
    mobile = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    email = forms.EmailField(label=_("Email"), required=False)
    username = forms.CharField(label=_("Login name"), max_length=150)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    service_fields = ("name", "employee_no", "mobile", "email")
    field_order = [
        "name",
        "employee_no",
        "mobile",
        "email",
        "username",
        "password",
        "role",
        "department",
        "post",
    ]


class StaffEditForm(DataForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    employee_no = forms.CharField(label=_("Employee number"), required=False, max_length=30)
    mobile = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    email = forms.EmailField(label=_("Email"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


# --- settings ---------------------------------------------------------------------------------
class ProjectSettingsForm(DataForm):
    name = forms.CharField(label=_("Project name"), max_length=100)
    script_name = forms.CharField(
        label=_("Name used in scripts"),
        required=False,
        max_length=100,
        help_text=_("Said in standard phrases, e.g. 欢迎光临{name}; empty = the project name"),
    )
    record_prefix = forms.CharField(
        label=_("Record prefix"),
        required=False,
        max_length=20,
        help_text=_("Printed before form record names, e.g. 地王 in 地王/客服记录-01"),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    phone = forms.CharField(label=_("Service phone"), required=False, max_length=30)


class BusinessHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, widget=forms.HiddenInput)
    is_open = forms.BooleanField(label=_("Open"), required=False)
    opens = forms.TimeField(label=_("Opens"), required=False, widget=TIME)
    closes = forms.TimeField(label=_("Closes"), required=False, widget=TIME)


class OverrideForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=OverrideKind.choices)
    opens = forms.TimeField(label=_("Opens"), required=False, widget=TIME)
    closes = forms.TimeField(label=_("Closes"), required=False, widget=TIME)
    note = forms.CharField(label=_("Note"), required=False, max_length=100)


DUE_UNITS = [
    ("working_hours", _("working hours")),
    ("working_days", _("working days")),
    ("clock_hours", _("hours (clock time)")),
    ("clock_minutes", _("minutes (clock time)")),
    ("calendar_days", _("calendar days")),
]


class ExplainDueForm(forms.Form):
    start = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    amount = forms.DecimalField(
        label=_("Time allowed"), min_value=0, max_digits=8, decimal_places=2
    )
    unit = forms.ChoiceField(label=_("Counted in"), choices=DUE_UNITS)
