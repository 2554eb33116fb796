import django_stubs_ext
from django import forms

from outings.notifications.models import EmailPreferences

# ModelAdmin[...] and ModelForm[...] at run time (settings.py is shared; this is idempotent).
django_stubs_ext.monkeypatch()


class EmailPreferencesForm(forms.ModelForm[EmailPreferences]):
    class Meta:
        model = EmailPreferences
        fields = ["bookings", "messages", "listings", "waitlist"]
