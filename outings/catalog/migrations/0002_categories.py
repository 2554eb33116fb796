from django.db import migrations

SLUGS = [
    "tours", "outdoors", "sights", "food", "arts", "performances", "music", "film", "workshops",
    "talks", "family", "festivals", "sports", "community", "other",
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    for position, slug in enumerate(SLUGS):
        Category.objects.update_or_create(slug=slug, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
