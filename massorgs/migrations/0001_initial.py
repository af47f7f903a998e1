"""Mass organizations: kinds, organizations, dated membership entries and their history."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('registry', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MassOrganizationKind',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=16, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=100, verbose_name='name (Vietnamese)')),
                ('name_en', models.CharField(blank=True, max_length=100, verbose_name='name (English)')),
                ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
            ],
            options={
                'verbose_name': 'mass organization kind',
                'verbose_name_plural': 'mass organization kinds',
                'ordering': ['order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='MassOrganization',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('established_on', models.DateField(blank=True, null=True, verbose_name='established on')),
                ('established_by', models.CharField(blank=True, help_text='The body that decided it, e.g. the district labour federation.', max_length=200, verbose_name='established by')),
                ('dissolved_on', models.DateField(blank=True, null=True, verbose_name='dissolved on')),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='mass_organizations', to='registry.enterprise', verbose_name='enterprise')),
                ('in_charge', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='official in charge')),
                ('kind', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='organizations', to='massorgs.massorganizationkind', verbose_name='kind')),
            ],
            options={
                'verbose_name': 'mass organization',
                'verbose_name_plural': 'mass organizations',
                'ordering': ['kind__order', 'established_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='MassOrganizationHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                ('event', models.CharField(choices=[('recorded', 'Recorded'), ('changed', 'Changed'), ('membership', 'Membership counts entered'), ('dissolved', 'Dissolved'), ('imported', 'Registry import'), ('migrated', 'Moved from the enterprise record')], max_length=16, verbose_name='event')),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('changes', models.JSONField(blank=True, default=dict, verbose_name='changes')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='history', to='massorgs.massorganization', verbose_name='mass organization')),
            ],
            options={
                'verbose_name': 'mass organization history',
                'verbose_name_plural': 'mass organization history',
                'ordering': ['organization', 'at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='MembershipEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('counted_on', models.DateField(blank=True, null=True, verbose_name='counts up to')),
                ('admitted', models.PositiveIntegerField(default=0, verbose_name='members admitted')),
                ('departed', models.PositiveIntegerField(default=0, verbose_name='members who left')),
                ('source', models.CharField(choices=[('form', 'Entered by an official'), ('establishment', 'Members at establishment'), ('import', 'Registry import'), ('migration', 'Moved from the enterprise record')], default='form', max_length=16, verbose_name='source')),
                ('recorded_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='massorgs.massorganization', verbose_name='mass organization')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': 'membership entry',
                'verbose_name_plural': 'membership entries',
                'ordering': ['organization', models.OrderBy(models.F('counted_on'), nulls_first=True), 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='massorganization',
            index=models.Index(fields=['established_on', 'kind'], name='massorgs_org_established'),
        ),
        migrations.AddConstraint(
            model_name='massorganization',
            constraint=models.UniqueConstraint(condition=models.Q(('dissolved_on__isnull', True)), fields=('enterprise', 'kind'), name='massorgs_one_active_per_kind'),
        ),
        migrations.AddConstraint(
            model_name='massorganization',
            constraint=models.CheckConstraint(condition=models.Q(('dissolved_on__isnull', True), ('established_on__isnull', True), ('dissolved_on__gte', models.F('established_on')), _connector='OR'), name='massorgs_dissolved_after_established'),
        ),
        migrations.AddIndex(
            model_name='membershipentry',
            index=models.Index(fields=['organization', 'counted_on'], include=('admitted', 'departed'), name='massorgs_entry_on'),
        ),
    ]
