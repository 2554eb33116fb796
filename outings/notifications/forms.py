from django import forms

from outings.notifications.models import EmailPreferences


class EmailPreferencesForm(forms.ModelForm[EmailPreferences]):
    class Meta:
        model = EmailPreferences
        # The topics some notification is mailed under (texts.TOPIC_OF_KIND); not "messages",
        # which nothing sends yet (models.EmailPreferences).
        fields = ["bookings", "listings", "waitlist"]
