"""The leave and going-out kinds every city starts with (第五条); the administrator may add or retire kinds."""

from django.db import migrations

# (name, symbol, category, order)
KINDS = [
    ("事假", "事", "leave", 10),
    ("病假", "病", "leave", 20),
    ("年休假", "年", "leave", 30),
    ("婚假", "婚", "leave", 40),
    ("丧假", "丧", "leave", 50),
    ("产假", "产", "leave", 60),
    ("探亲假", "探", "leave", 70),
    ("外出", "外", "outing", 80),
    ("出差", "差", "outing", 90),
]


def create_kinds(apps, schema_editor):
    LeaveKind = apps.get_model("supervision", "LeaveKind")
    for name, symbol, category, order in KINDS:
        LeaveKind.objects.get_or_create(name=name, defaults={"symbol": symbol, "category": category, "order": order})


def remove_kinds(apps, schema_editor):
    LeaveKind = apps.get_model("supervision", "LeaveKind")
    LeaveKind.objects.filter(name__in=[kind[0] for kind in KINDS], leaves__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0006_attendance")]

    operations = [migrations.RunPython(create_kinds, remove_kinds)]
