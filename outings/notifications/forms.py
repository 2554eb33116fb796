from django import forms

from outings.notifications.models import EmailPreferences


class EmailPreferencesForm(forms.ModelForm[EmailPreferences]):
    class Meta:
        model = EmailPreferences
        fields = ["bookings", "messages", "listings", "waitlist"]
