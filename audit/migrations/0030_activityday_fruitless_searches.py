from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0029_benefits_by_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='activityday',
            name='fruitless_searches',
            field=models.IntegerField(db_default=0, default=0, help_text='Searches after which the user opened none of the children found that day.'),
        ),
    ]
