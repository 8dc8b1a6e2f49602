from django.db import migrations

ROLES = [
    "system_admin",
    "city_assessor",
    "assessment_team",
    "city_agency_leader",
    "city_agency_office",
    "county_head",
    "county_staff",
    "inspector",
    "complaint_handler",
    "supervisor",
]


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
