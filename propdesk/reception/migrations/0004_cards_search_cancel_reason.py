# Client cards: pinyin search keys (R-ROTA-08 lookup); appointments: the reason for cancelling.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reception", "0003_rotation_cards_appointments"),
    ]

    operations = [
        migrations.AddField(
            model_name="clientcard",
            name="name_pinyin",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="pinyin"),
        ),
        migrations.AddField(
            model_name="clientcard",
            name="name_initials",
            field=models.CharField(
                blank=True, editable=False, max_length=50, verbose_name="pinyin initials"
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason for cancelling"),
        ),
    ]
